import type { TaskList } from "graphile-worker";
import { deleteExpiredSignInRecords } from "../auth/cleanup";
import { PASSWORD_RESET_REQUEST_TASK, sendPasswordReset } from "../auth/password-reset";
import { SIGN_IN_LINK_TASK, sendSignInLink } from "../auth/sign-in-links";
import type { RequestMeta } from "../commands";
import { expireDemos, queueDemoReminders } from "../customers/demo-expiry";
import type { Db } from "../db";
import { deliverMail } from "../mail/deliver";
import { SEND_MAIL_TASK } from "../mail/outbox";
import type { MailTransport } from "../mail/transport";
import { log } from "../observability/log";
import { metrics } from "../observability/metrics";
import { queueReconciliation, RECONCILE_TASK } from "../registrar/commands";
import { runReconciliation } from "../registrar/reconcile";
import { SYNC_BATCH_SIZE, syncTrunks } from "../registrar/sync";
import type { Registrar } from "../registrar/types";
import { DEFAULT_RETENTION, pruneOldRecords, type RetentionPolicy } from "../retention";
import { SYNC_TRUNK_TASK } from "../trunks/provision";

export const DEMO_REMINDERS_TASK = "customers_demo_expiry_notices";
export const DEMO_EXPIRY_TASK = "customers_demo_expiry";
export const SCHEDULED_RECONCILE_TASK = "registrar_reconcile_scheduled";
export const SIGN_IN_CLEANUP_TASK = "auth_sign_in_cleanup";
export const RETENTION_TASK = "retention_prune";

/**
 * Recurring jobs, in graphile-worker's crontab format; every worker runs them (`startPortalWorker`), and
 * graphile-worker makes sure each tick runs once however many workers there are.
 */
export const CRONTAB = [
  `0 * * * * ${DEMO_REMINDERS_TASK}`,
  // Every minute, so a demo stops working at the registrar within about a minute of its end.
  `* * * * * ${DEMO_EXPIRY_TASK}`,
  `*/15 * * * * ${SCHEDULED_RECONCILE_TASK}`,
  `30 * * * * ${SIGN_IN_CLEANUP_TASK}`,
  `45 3 * * * ${RETENTION_TASK}`,
].join("\n");

export type WorkerDependencies = {
  db: Db;
  registrar: Registrar;
  transport: MailTransport;
  mailFrom: string;
  /** Remove registrar subscribers the portal does not know (REGISTRAR_RECONCILE_REMOVE_UNKNOWN). */
  removeUnknownSubscribers: boolean;
  /** What the daily prune keeps (DEFAULT_RETENTION when not given). */
  retention?: RetentionPolicy;
};

/**
 * Failures the tasks handled themselves (recorded, retried or given up) still belong in the worker's log and
 * metrics.
 */
function reportFailure(task: string, id: string, result: { outcome: string; error?: string; nextAttemptAt?: Date }) {
  if (!result.error) return;
  const failures = task === SEND_MAIL_TASK ? metrics().mailFailures : metrics().syncFailures;
  failures.inc({ outcome: result.outcome });
  log.error(
    {
      task,
      id,
      outcome: result.outcome,
      nextAttemptAt: result.nextAttemptAt?.toISOString() ?? null,
      error: result.error,
    },
    `${task} ${result.outcome}`,
  );
}

/** Every background job the worker knows, by task name. */
export function jobTasks({
  db,
  registrar,
  transport,
  mailFrom,
  removeUnknownSubscribers,
  retention = DEFAULT_RETENTION,
}: WorkerDependencies): TaskList {
  // Whether the registrar took the last sync. While it does not (an outage), each job syncs its own trunk only: a
  // failing batch records only its own trunk, so taking the others along would read every waiting trunk per job.
  let registrarAnswering = true;
  return {
    [SYNC_TRUNK_TASK]: async (payload) => {
      const { trunkId } = payload as { trunkId: string };
      // Other trunks waiting for a sync go along in the same registrar transaction (their jobs are then removed).
      const alsoPending = registrarAnswering ? SYNC_BATCH_SIZE - 1 : 0;
      const outcomes = await syncTrunks(db, registrar, [trunkId], { alsoPending, force: false });
      for (const [id, outcome] of outcomes) reportFailure(SYNC_TRUNK_TASK, id, outcome);
      const own = outcomes.get(trunkId)?.outcome;
      if (own === "failed") registrarAnswering = false;
      else if (own === "synced") registrarAnswering = true;
    },
    [SEND_MAIL_TASK]: async (payload) => {
      const { mailId } = payload as { mailId: string };
      reportFailure(SEND_MAIL_TASK, mailId, await deliverMail(db, transport, mailFrom, mailId));
    },
    [DEMO_REMINDERS_TASK]: async () => {
      await queueDemoReminders(db);
    },
    [DEMO_EXPIRY_TASK]: async () => {
      await expireDemos(db);
    },
    [RECONCILE_TASK]: async (payload) => {
      const { runId } = payload as { runId: string };
      await runReconciliation(db, registrar, runId, { removeUnknown: removeUnknownSubscribers });
    },
    [SCHEDULED_RECONCILE_TASK]: async () => {
      await queueReconciliation(db, "schedule", null);
    },
    [SIGN_IN_CLEANUP_TASK]: async () => {
      await deleteExpiredSignInRecords(db);
    },
    [RETENTION_TASK]: async () => {
      log.info({ component: "worker", task: RETENTION_TASK, ...(await pruneOldRecords(db, retention)) }, "pruned");
    },
    [SIGN_IN_LINK_TASK]: async (payload) => {
      await sendSignInLink(db, (payload as { email: string }).email);
    },
    [PASSWORD_RESET_REQUEST_TASK]: async (payload) => {
      const { email, meta } = payload as { email: string; meta: RequestMeta };
      await sendPasswordReset(db, email, meta);
    },
  };
}
