import type { Metadata } from "next";
import Link from "next/link";
import { CursorPagination } from "@/components/cursor-pagination";
import { DemoBadge } from "@/components/demo-badge";
import { RegistrationStatus } from "@/components/registration-status";
import { Alert, Card, DateTime, PageHeader, SipServerList, StatusBadge } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { demoStatus } from "@/lib/customers/demo";
import { getDb } from "@/lib/db";
import { getOwnAccount, listOwnTrunks } from "@/lib/portal";
import { getRegistrar } from "@/lib/registrar";
import { describeCallLimit } from "@/lib/trunks/describe";
import { liveRegistrations } from "@/lib/trunks/live-status";

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

export default async function PortalHome({
  searchParams,
}: {
  searchParams: Promise<{ after?: string; before?: string }>;
}) {
  const actor = await requirePermission("portal:use");
  const db = getDb();
  const { after, before } = await searchParams;
  const [{ trunks, next, previous }, { customer, provider }] = await Promise.all([
    listOwnTrunks(db, actor, { after, before }),
    getOwnAccount(db, actor),
  ]);
  const hostnamesOf = (trunk: (typeof trunks)[number]) => trunk.servers.map((s) => s.server.hostname);
  // One registrar lookup for the whole page, not one per trunk; it streams in behind each trunk's Suspense.
  const lookup = liveRegistrations(
    getRegistrar(),
    trunks.map((trunk) => ({ username: trunk.username, hostnames: hostnamesOf(trunk) })),
  );
  return (
    <>
      <PageHeader title={customer.company}>
        <DemoBadge customer={customer} />
      </PageHeader>
      <DemoNotice customer={customer} supportEmail={provider.supportEmail} />
      {trunks.length === 0 && !previous ? <p>No trunks yet. Contact {provider.supportEmail}.</p> : null}
      {trunks.map((trunk) => (
        <Card key={trunk.id} title={`Trunk ${trunk.username}`}>
          <SipServerList hostnames={hostnamesOf(trunk)} />
          <p className="mt-3 text-sm">
            {describeCallLimit(trunk.callLimit)} · <StatusBadge kind="trunk" status={trunk.status} />
          </p>
          <div className="mt-3">
            <RegistrationStatus
              trunkId={trunk.id}
              username={trunk.username}
              hostnames={hostnamesOf(trunk)}
              audience="customer"
              lookup={lookup}
            />
          </div>
          <p className="mt-3">
            <Link href={`/portal/trunks/${trunk.id}`}>Credentials, settings and setup help</Link>
          </p>
        </Card>
      ))}
      <CursorPagination previous={previous} next={next} href={(page) => `/portal?${new URLSearchParams(page)}`} />
      <p className="text-sm text-muted-foreground">
        Need help? {provider.providerName} support: {provider.supportEmail}, {provider.supportPhone}.
      </p>
    </>
  );
}
