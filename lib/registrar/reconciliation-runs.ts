import { z } from "zod";
import { recordAudit } from "../audit/log";
import { defineCommand } from "../commands";
import type { Db } from "../db";
import { enqueueJob } from "../jobs/queue";

export const RECONCILE_TASK = "registrar.reconcile";

/** Queues a reconciliation run; the worker fills in its report. */
export async function queueReconciliation(db: Db, trigger: "schedule" | "manual", requestedBy: string | null) {
  return db.$transaction(async (tx) => {
    const run = await tx.reconciliationRun.create({ data: { trigger, requestedBy } });
    await enqueueJob(tx, RECONCILE_TASK, { runId: run.id }, { maxAttempts: 3 });
    return run;
  });
}

export const requestReconciliation = defineCommand({
  name: "registrar.reconcile",
  permission: "registrar:sync",
  input: z.object({}),
  async run(ctx) {
    const run = await queueReconciliation(ctx.db, "manual", ctx.actor.email);
    await recordAudit(ctx.db, ctx, { action: "registrar.reconcile", targetType: "registrar", targetId: run.id });
    return run;
  },
});

export async function listReconciliationRuns(db: Db, take = 20) {
  return db.reconciliationRun.findMany({ orderBy: { createdAt: "desc" }, take });
}
