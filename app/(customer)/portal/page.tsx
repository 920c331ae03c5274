import type { Metadata } from "next";
import Link from "next/link";
import { RegistrationStatus } from "@/components/registration-status";
import { Badge, Card, formatDateTime, PageHeader, SipServerList } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { getDb } from "@/lib/db";
import { getOwnAccount, listOwnTrunks } from "@/lib/portal";
import { describeCallLimit } from "@/lib/trunks/describe";

export const metadata: Metadata = { title: "My trunks" };

export default async function PortalHome() {
  const actor = await requirePermission("portal:use");
  const db = getDb();
  const [trunks, { customer, provider }] = await Promise.all([listOwnTrunks(db, actor), getOwnAccount(db, actor)]);
  return (
    <>
      <PageHeader title={customer.company}>
        {customer.isDemo ? (
          <Badge color="blue">Demo account until {formatDateTime(customer.demoExpiresAt)}</Badge>
        ) : null}
      </PageHeader>
      {trunks.length === 0 ? <p>No trunks yet. Contact {provider.supportEmail}.</p> : null}
      {trunks.map((trunk) => (
        <Card key={trunk.id} title={`Trunk ${trunk.username}`}>
          <SipServerList hostnames={trunk.servers.map((s) => s.server.hostname)} />
          <p className="mt-3 text-sm">
            {describeCallLimit(trunk.callLimit)} ·{" "}
            <Badge color={trunk.status === "ACTIVE" ? "green" : "red"}>{trunk.status.toLowerCase()}</Badge>
          </p>
          <div className="mt-3">
            <RegistrationStatus username={trunk.username} hostnames={trunk.servers.map((s) => s.server.hostname)} />
          </div>
          <p className="mt-3">
            <Link href={`/portal/trunks/${trunk.id}`}>Credentials, settings and setup help</Link>
          </p>
        </Card>
      ))}
      <p className="text-sm text-slate-600">
        Need help? {provider.providerName} support: {provider.supportEmail}, {provider.supportPhone}.
      </p>
    </>
  );
}
