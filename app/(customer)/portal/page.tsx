import type { Metadata } from "next";
import Link from "next/link";
import { CursorPagination } from "@/components/cursor-pagination";
import { DemoBadge } from "@/components/demo-badge";
import { RegistrationStatus } from "@/components/registration-status";
import { Badge, Card, formatDateTime, PageHeader, SipServerList } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { demoStatus } from "@/lib/customers/demo";
import { getDb } from "@/lib/db";
import { getOwnAccount, listOwnTrunks } from "@/lib/portal";
import { getRegistrar } from "@/lib/registrar";
import { registrationStatuses } from "@/lib/registrar/status";
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
    <p className="mb-4 rounded border border-blue-200 bg-blue-50 px-3 py-2 text-sm" role="status">
      {demo.ended
        ? `Your demo ended on ${formatDateTime(demo.endsAt)} and its trunks were disabled. Contact ${supportEmail} or your sales representative to keep your service.`
        : `This is a demo account: ${demo.daysLeft} ${demo.daysLeft === 1 ? "day" : "days"} left. Your trunks stop working on ${formatDateTime(demo.endsAt)} unless the demo is extended or becomes a paying account.`}
    </p>
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
  // One registrar lookup for the whole page, not one per trunk.
  const statuses = await registrationStatuses(
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
            {describeCallLimit(trunk.callLimit)} ·{" "}
            <Badge color={trunk.status === "ACTIVE" ? "green" : "red"}>{trunk.status.toLowerCase()}</Badge>
          </p>
          <div className="mt-3">
            <RegistrationStatus
              username={trunk.username}
              hostnames={hostnamesOf(trunk)}
              status={statuses.get(trunk.username)}
            />
          </div>
          <p className="mt-3">
            <Link href={`/portal/trunks/${trunk.id}`}>Credentials, settings and setup help</Link>
          </p>
        </Card>
      ))}
      <CursorPagination previous={previous} next={next} href={(page) => `/portal?${new URLSearchParams(page)}`} />
      <p className="text-sm text-slate-600">
        Need help? {provider.providerName} support: {provider.supportEmail}, {provider.supportPhone}.
      </p>
    </>
  );
}
