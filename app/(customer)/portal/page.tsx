import type { Metadata } from "next";
import Link from "next/link";
import { DemoBadge } from "@/components/demo-badge";
import { RegistrationStatus } from "@/components/registration-status";
import { Alert, Card, DateTime, PageHeader, SipServerList, StatusBadge } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { demoStatus } from "@/lib/customers/demo";
import { getDb } from "@/lib/db";
import { getOwnAccount, listOwnTrunks } from "@/lib/portal";
import { describeCallLimit } from "@/lib/trunks/describe";

export const metadata: Metadata = { title: "My trunks" };

/** What a demo customer needs to know: how long the trunks keep working, or that they stopped. */
function DemoNotice({
  customer,
  supportEmail,
}: {
  customer: { isDemo: boolean; demoExpiresAt: Date | null };
  supportEmail: string;
}) {
  const demo = demoStatus(customer);
  if (!demo) return null;
  return (
    <Alert tone="info" role="status" className="mb-4">
      {demo.ended ? (
        <>
          Your demo ended on <DateTime value={demo.endsAt} /> and its trunks were disabled. Contact {supportEmail} or
          your sales representative to keep your service.
        </>
      ) : (
        <>
          This is a demo account: {demo.daysLeft} {demo.daysLeft === 1 ? "day" : "days"} left. Your trunks stop working
          on <DateTime value={demo.endsAt} /> unless the demo is extended or becomes a paying account.
        </>
      )}
    </Alert>
  );
}

export default async function PortalHome() {
  const actor = await requirePermission("portal:use");
  const db = getDb();
  const [trunks, { customer, provider }] = await Promise.all([listOwnTrunks(db, actor), getOwnAccount(db, actor)]);
  return (
    <>
      <PageHeader title={customer.company}>
        <DemoBadge customer={customer} />
      </PageHeader>
      <DemoNotice customer={customer} supportEmail={provider.supportEmail} />
      {trunks.length === 0 ? <p>No trunks yet. Contact {provider.supportEmail}.</p> : null}
      {trunks.map((trunk) => (
        <Card key={trunk.id} title={`Trunk ${trunk.username}`}>
          <SipServerList hostnames={trunk.servers.map((s) => s.server.hostname)} />
          <p className="mt-3 text-sm">
            {describeCallLimit(trunk.callLimit)} · <StatusBadge kind="trunk" status={trunk.status} />
          </p>
          <div className="mt-3">
            <RegistrationStatus
              trunkId={trunk.id}
              username={trunk.username}
              hostnames={trunk.servers.map((s) => s.server.hostname)}
              audience="customer"
            />
          </div>
          <p className="mt-3">
            <Link href={`/portal/trunks/${trunk.id}`}>Credentials, settings and setup help</Link>
          </p>
        </Card>
      ))}
      <p className="text-sm text-muted-foreground">
        Need help? {provider.providerName} support: {provider.supportEmail}, {provider.supportPhone}.
      </p>
    </>
  );
}
