import type { Metadata } from "next";
import { Suspense } from "react";
import { Card, PageHeader, Stat } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { can } from "@/lib/auth/policy";
import { DEMO_ENDING_SOON_DAYS } from "@/lib/customers";
import { getDb } from "@/lib/db";
import { staffOverview } from "@/lib/overview";
import { getRegistrar } from "@/lib/registrar";
import { registrarHealth } from "@/lib/registrar/connection";
import { COUNT_CAP } from "@/lib/trunks/list";

export const metadata: Metadata = { title: "Home" };

const count = (value: number) =>
  value > COUNT_CAP ? `${COUNT_CAP.toLocaleString("en-US")}+` : value.toLocaleString("en-US");

/** Live registrations over all trunks, asked of the registrar behind Suspense, with a timeout. */
async function LiveRegistrations({ href }: { href?: string }) {
  const health = await registrarHealth(getRegistrar());
  if (!health.answers || health.liveRegistrations === null) {
    return (
      <Stat
        href={href}
        label="Live registrations"
        value="?"
        tone="warning"
        hint={health.answers ? "The registrar cannot count them." : "The registrar is not answering."}
      />
    );
  }
  return (
    <Stat href={href} label="Live registrations" value={count(health.liveRegistrations)} hint="PBXs registered now" />
  );
}

/** What needs looking at, each number a link to the list it counts. */
export default async function StaffHome() {
  const actor = await requirePermission("trunks:view");
  const mail = can(actor, "mail:view");
  const registrar = can(actor, "registrar:sync");
  const overview = await staffOverview(getDb(), { mail });
  const { sync } = overview;
  return (
    <>
      <PageHeader title="Home">What needs attention now, across every customer.</PageHeader>
      <div className="mb-6 grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <Stat
          href="/staff/trunks?sync=failing"
          label="Failing syncs"
          value={count(overview.failingSyncs)}
          tone={overview.failingSyncs ? "bad" : "good"}
          hint="Failed and retrying, or refused by the registrar"
        />
        <Suspense fallback={<Stat label="Live registrations" value="…" hint="Asking the registrar…" />}>
          <LiveRegistrations href={registrar ? "/staff/registrar" : undefined} />
        </Suspense>
        <Stat
          href="/staff/customers?demo=ending"
          label="Demos ending this week"
          value={count(overview.demosEnding)}
          tone={overview.demosEnding ? "warning" : "neutral"}
          hint={`Within ${DEMO_ENDING_SOON_DAYS} days`}
        />
        {overview.failingMail !== null ? (
          <Stat
            href="/staff/mail?show=failing"
            label="Mail failures"
            value={count(overview.failingMail)}
            tone={overview.failingMail ? "bad" : "good"}
            hint="Retrying after an error, or given up"
          />
        ) : null}
      </div>
      <Card title="Trunks by sync state">
        <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
          <Stat href="/staff/trunks?sync=SYNCED" label="Synced" value={count(sync.SYNCED)} />
          <Stat
            href="/staff/trunks?sync=PENDING"
            label="Pending"
            value={count(sync.PENDING)}
            hint="On their way to the registrar"
          />
          <Stat
            href="/staff/trunks?sync=FAILED"
            label="Failed"
            value={count(sync.FAILED)}
            tone={sync.FAILED ? "bad" : "neutral"}
            hint="Retried automatically"
          />
          <Stat
            href="/staff/trunks?sync=NEEDS_ATTENTION"
            label="Needs attention"
            value={count(sync.NEEDS_ATTENTION)}
            tone={sync.NEEDS_ATTENTION ? "bad" : "neutral"}
            hint="Refused by the registrar; not retried"
          />
        </div>
      </Card>
    </>
  );
}
