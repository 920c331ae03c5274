import type { Metadata } from "next";
import Link from "next/link";
import { ActionForm, SubmitButton } from "@/components/forms";
import { RegistrarConnectionCards } from "@/components/registrar-connection";
import { Badge, Card, formatDateTime, PageHeader, Table } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { getDb } from "@/lib/db";
import { listReconciliationRuns } from "@/lib/registrar/commands";
import type { Finding } from "@/lib/registrar/reconcile";
import { requestReconciliationAction } from "../actions";

export const metadata: Metadata = { title: "Registrar" };

const TROUBLED_SHOWN = 50;

/** Trunks in a failed sync state, most recent first, with the reason. */
async function troubledTrunks(db: ReturnType<typeof getDb>, syncState: "FAILED" | "NEEDS_ATTENTION") {
  const [total, trunks] = await Promise.all([
    db.trunk.count({ where: { syncState } }),
    db.trunk.findMany({
      where: { syncState },
      select: { id: true, username: true, syncError: true, syncNextAttemptAt: true },
      orderBy: { updatedAt: "desc" },
      take: TROUBLED_SHOWN,
    }),
  ]);
  return { total, trunks };
}

function TroubledTrunks({ title, trunks }: { title: string; trunks: Awaited<ReturnType<typeof troubledTrunks>> }) {
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
            <span className="font-mono text-red-800">{trunk.syncError}</span>
            {trunk.syncNextAttemptAt ? ` (next attempt ${formatDateTime(trunk.syncNextAttemptAt)})` : null}
          </li>
        ))}
      </ul>
      {trunks.total > trunks.trunks.length ? (
        <p className="text-sm text-slate-600">…and {trunks.total - trunks.trunks.length} more.</p>
      ) : null}
    </section>
  );
}

export default async function RegistrarPage() {
  await requirePermission("registrar:sync");
  const db = getDb();
  const [runs, failed, attention, pending] = await Promise.all([
    listReconciliationRuns(db),
    troubledTrunks(db, "FAILED"),
    troubledTrunks(db, "NEEDS_ATTENTION"),
    db.trunk.count({ where: { syncState: "PENDING" } }),
  ]);
  return (
    <>
      <PageHeader title="Registrar">
        Every 15 minutes, and on demand, the portal compares each trunk with the registrar and repairs any drift.
      </PageHeader>
      <RegistrarConnectionCards />
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
          {pending} {pending === 1 ? "trunk" : "trunks"} waiting to sync; {failed.total} failed and retrying;{" "}
          {attention.total} {attention.total === 1 ? "needs" : "need"} attention.
        </p>
        <TroubledTrunks
          title="Needs attention: the registrar refuses these trunks' data; they are not retried until changed"
          trunks={attention}
        />
        <TroubledTrunks title="Failed, retrying" trunks={failed} />
      </Card>
      <Card title="Reconciliation runs">
        {runs.length === 0 ? <p className="text-slate-600">No run yet.</p> : null}
        {runs.map((run) => {
          const findings = run.findings as unknown as Finding[];
          return (
            <section key={run.id} className="mb-6" aria-label={`Run ${formatDateTime(run.createdAt)}`}>
              <h3 className="font-semibold">
                {formatDateTime(run.createdAt)} · {run.trigger}
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
              <p className="text-sm text-slate-600">
                {run.checked.toLocaleString("en-US")}
                {!run.finishedAt && run.startedAt && run.expected
                  ? ` of about ${run.expected.toLocaleString("en-US")}`
                  : ""}{" "}
                trunks checked
                {run.findingsTotal > findings.length ? `; the first ${findings.length} findings are listed` : ""}.
              </p>
              {run.error ? <p className="font-mono text-sm text-red-800">{run.error}</p> : null}
              {findings.length ? (
                <Table headers={["SIP username", "Realm", "Problem", "Detail", "Action"]} caption="Findings">
                  {findings.map((finding) => (
                    <tr key={`${finding.username}-${finding.realm}-${finding.problem}`}>
                      <td className="px-2 py-1 font-mono">{finding.username}</td>
                      <td className="px-2 py-1 font-mono">{finding.realm ?? "—"}</td>
                      <td className="px-2 py-1">{finding.problem}</td>
                      <td className="px-2 py-1 text-xs">{finding.detail}</td>
                      <td className="px-2 py-1">{finding.action}</td>
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
