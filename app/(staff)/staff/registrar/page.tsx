import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { ActionForm, SubmitButton } from "@/components/forms";
import { RegistrarConnectionCards } from "@/components/registrar-connection";
import { Badge, Card, DateTime, formatDateTime, PageHeader, Table, Td } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { getDb } from "@/lib/db";
import type { Finding } from "@/lib/registrar/reconcile";
import { listReconciliationRuns } from "@/lib/registrar/reconciliation-runs";
import { attentionReasons, NEEDS_ATTENTION } from "@/lib/trunks/attention";
import { requestReconciliationAction } from "../actions";

export const metadata: Metadata = { title: "Registrar" };

const TROUBLED_SHOWN = 50;

/** Trunks whose sync failed and is being retried, most recent first, with the error. */
async function failedTrunks(db: ReturnType<typeof getDb>) {
  const where = { syncState: "FAILED" as const };
  const [total, trunks] = await Promise.all([
    db.trunk.count({ where }),
    db.trunk.findMany({
      where,
      select: { id: true, username: true, syncError: true, syncNextAttemptAt: true },
      orderBy: { updatedAt: "desc" },
      take: TROUBLED_SHOWN,
    }),
  ]);
  return {
    total,
    trunks: trunks.map((trunk) => ({
      ...trunk,
      reasons: [
        `${trunk.syncError ?? ""}${trunk.syncNextAttemptAt ? ` (next attempt ${formatDateTime(trunk.syncNextAttemptAt)})` : ""}`,
      ],
    })),
  };
}

/** Trunks that need attention (lib/trunks/attention.ts), most recent first, with the reasons. */
async function trunksNeedingAttention(db: ReturnType<typeof getDb>) {
  const [total, trunks] = await Promise.all([
    db.trunk.count({ where: NEEDS_ATTENTION }),
    db.trunk.findMany({
      where: NEEDS_ATTENTION,
      include: {
        credentialChecks: { include: { server: { select: { hostname: true } } } },
        authFailureBursts: { where: { endedAt: null } },
      },
      orderBy: { updatedAt: "desc" },
      take: TROUBLED_SHOWN,
    }),
  ]);
  return {
    total,
    trunks: trunks.map((trunk) => ({
      id: trunk.id,
      username: trunk.username,
      reasons: attentionReasons(trunk, trunk.credentialChecks, "staff", trunk.authFailureBursts[0] ?? null),
    })),
  };
}

type TroubledList = { total: number; trunks: { id: string; username: string; reasons: string[] }[] };

function TroubledTrunks({ title, trunks }: { title: string; trunks: TroubledList }) {
  if (trunks.total === 0) return null;
  return (
    <section className="mt-3" aria-label={title}>
      <h3 className="font-semibold">{title}</h3>
      <ul className="mt-1 space-y-1 text-sm">
        {trunks.trunks.map((trunk) => (
          <li key={trunk.id}>
            <Link href={`/staff/trunks/${trunk.id}`} className="font-mono">
              {trunk.username}
            </Link>{" "}
            <span className="break-words text-danger">{trunk.reasons.join(" ")}</span>
          </li>
        ))}
      </ul>
      {trunks.total > trunks.trunks.length ? (
        <p className="text-sm text-muted-foreground">…and {trunks.total - trunks.trunks.length} more.</p>
      ) : null}
    </section>
  );
}

export default async function RegistrarPage() {
  await requirePermission("registrar:sync");
  const db = getDb();
  const [runs, failed, attention, pending] = await Promise.all([
    listReconciliationRuns(db),
    failedTrunks(db),
    trunksNeedingAttention(db),
    db.trunk.count({ where: { syncState: "PENDING" } }),
  ]);
  return (
    <>
      <PageHeader title="Registrar">
        Every 15 minutes, and on demand, the portal compares each trunk with the registrar and repairs any drift.
      </PageHeader>
      <Suspense fallback={<Card title="Connection">Asking the registrar…</Card>}>
        <RegistrarConnectionCards />
      </Suspense>
      <Card
        title="Sync"
        actions={
          <ActionForm
            action={requestReconciliationAction}
            aria-label="Reconcile now"
            className="flex items-center gap-2"
          >
            <SubmitButton variant="secondary">Reconcile now</SubmitButton>
          </ActionForm>
        }
      >
        <p>
          <Link href="/staff/trunks?sync=PENDING">
            {pending} {pending === 1 ? "trunk" : "trunks"} waiting to sync
          </Link>
          ; <Link href="/staff/trunks?sync=FAILED">{failed.total} failed and retrying</Link>;{" "}
          <Link href="/staff/trunks?sync=attention">
            {attention.total} {attention.total === 1 ? "needs" : "need"} attention
          </Link>
          .
        </p>
        <TroubledTrunks title="Needs attention" trunks={attention} />
        <TroubledTrunks title="Failed, retrying" trunks={failed} />
      </Card>
      <Card title="Reconciliation runs">
        {runs.length === 0 ? <p className="text-muted-foreground">No run yet.</p> : null}
        {runs.map((run) => {
          const findings = run.findings as unknown as Finding[];
          return (
            <section key={run.id} className="mb-6" aria-label={`Run ${formatDateTime(run.createdAt)}`}>
              <h3 className="font-semibold">
                <DateTime value={run.createdAt} /> · {run.trigger}
                {run.requestedBy ? ` by ${run.requestedBy}` : ""}{" "}
                {run.error ? (
                  <Badge color="red">failed</Badge>
                ) : run.finishedAt ? (
                  <Badge color={run.findingsTotal ? "amber" : "green"}>
                    {run.findingsTotal ? `${run.findingsTotal} findings, ${run.repaired} trunks repaired` : "no drift"}
                  </Badge>
                ) : (
                  <Badge color="blue">running</Badge>
                )}
              </h3>
              <p className="text-sm text-muted-foreground">
                {run.checked.toLocaleString("en-US")}
                {!run.finishedAt && run.startedAt && run.expected
                  ? ` of about ${run.expected.toLocaleString("en-US")}`
                  : ""}{" "}
                trunks checked
                {run.findingsTotal > findings.length ? `; the first ${findings.length} findings are listed` : ""}.
              </p>
              {run.error ? <p className="font-mono text-sm break-words text-danger">{run.error}</p> : null}
              {findings.length ? (
                <Table headers={["SIP username", "Realm", "Problem", "Detail", "Action"]} caption="Findings">
                  {findings.map((finding) => (
                    <tr key={`${finding.username}-${finding.realm}-${finding.problem}`}>
                      <Td label="SIP username" className="font-mono">
                        {finding.username}
                      </Td>
                      <Td label="Realm" className="font-mono">
                        {finding.realm ?? "—"}
                      </Td>
                      <Td label="Problem">{finding.problem}</Td>
                      <Td label="Detail" className="text-xs">
                        {finding.detail}
                      </Td>
                      <Td label="Action">{finding.action}</Td>
                    </tr>
                  ))}
                </Table>
              ) : null}
            </section>
          );
        })}
      </Card>
    </>
  );
}
