import { z } from "zod";
import { recordAudit } from "../audit/log";
import { defineCommand } from "../commands";
import { type Db, type Tx, transaction } from "../db";
import { enqueueJob } from "../jobs/queue";

export const RECONCILE_TASK = "registrar.reconcile";

/** Queues a reconciliation run in the caller's transaction; the worker fills in its report. */
async function queueRun(tx: Tx, trigger: "schedule" | "manual", requestedBy: string | null) {
  const run = await tx.reconciliationRun.create({ data: { trigger, requestedBy } });
  await enqueueJob(tx, RECONCILE_TASK, { runId: run.id }, { maxAttempts: 3 });
  return run;
}

/** A run queued on its own transaction (the schedule's, every 15 minutes). */
export const queueReconciliation = (db: Db, trigger: "schedule" | "manual", requestedBy: string | null) =>
  transaction(db, (tx) => queueRun(tx, trigger, requestedBy));

/** A run staff asked for: queued and audited together. */
export const requestReconciliation = defineCommand({
  name: "registrar.reconcile",
  permission: "registrar:sync",
  input: z.object({}),
  run: (ctx) =>
    transaction(ctx.db, async (tx) => {
      const run = await queueRun(tx, "manual", ctx.actor.email);
      await recordAudit(tx, ctx, { action: "registrar.reconcile", targetType: "registrar", targetId: run.id });
      return run;
    }),
});

export async function listReconciliationRuns(db: Db, take = 20) {
  return db.reconciliationRun.findMany({ orderBy: { createdAt: "desc" }, take });
}
