import type { CronItem, JobHelpers, Task, TaskList } from "graphile-worker";
import { z } from "zod";
import { deleteExpiredIdempotencyKeys } from "../api/idempotency";
import { deleteExpiredSignInRecords } from "../auth/cleanup";
import { PASSWORD_RESET_REQUEST_TASK, sendPasswordReset } from "../auth/password-reset";
import { SIGN_IN_LINK_TASK, sendSignInLink } from "../auth/sign-in-links";
import { purgeOldCallRecords } from "../calls";
import type { RequestMeta } from "../commands";
import { expireDemos, queueDemoReminders } from "../customers/demo-expiry";
import type { Db } from "../db";
import { RUN_IMPORT_TASK } from "../imports";
import { runImport } from "../imports/run";
import { deliverMail } from "../mail/deliver";
import { MAIL_BATCH_SIZE, SEND_MAIL_TASK } from "../mail/queue";
import type { MailTransport } from "../mail/transport";
import { log } from "../observability/log";
import { metrics } from "../observability/metrics";
import { deleteExpiredTraces } from "../packet-check/service";
import { SYNC_PROVIDER_POLICY_TASK, syncProviderPolicy } from "../registrar/provider-policy";
import { runReconciliation } from "../registrar/reconcile";
import { queueReconciliation, RECONCILE_TASK } from "../registrar/reconciliation-runs";
import { watchRegistrations } from "../registrar/registration-watch";
import { syncTrunks } from "../registrar/sync";
import type { Registrar } from "../registrar/types";
import { DEFAULT_RETENTION, pruneOldRecords, type RetentionPolicy } from "../retention";
import { scanAuthFailureBursts } from "../trunks/auth-failures";
import { CREDENTIAL_CHECK_TASK, runCredentialChecks } from "../trunks/credential-check";
import { suspendTrunksOverDailyCaps } from "../trunks/fraud-guard";
import { SYNC_BATCH_SIZE, SYNC_TRUNK_TASK } from "../trunks/provision";
import { deliverWebhook } from "../webhooks/deliver";
import { DELIVER_WEBHOOK_TASK } from "../webhooks/events";
import type { WebhookNetworkPolicy } from "../webhooks/network";

export const DEMO_REMINDERS_TASK = "customers.demo-expiry-notices";
export const DEMO_EXPIRY_TASK = "customers.demo-expiry";
export const SCHEDULED_RECONCILE_TASK = "registrar.reconcile-scheduled";
export const SIGN_IN_CLEANUP_TASK = "auth.sign-in-cleanup";
const SAVED_TRACE_RETENTION_TASK = "trunks.saved-trace-retention";
const CALL_RECORD_RETENTION_TASK = "registrar.call-record-retention";
const FRAUD_GUARD_SCAN_TASK = "trunks.fraud-guard-scan";
const AUTH_FAILURE_SCAN_TASK = "trunks.auth-failure-scan";
export const REGISTRATION_WATCH_TASK = "registrar.registration-watch";
export const RETENTION_TASK = "retention.prune";

/**
 * Recurring jobs; every worker runs them (`startPortalWorker`), and graphile-worker makes sure each tick runs once
 * however many workers there are. (Items rather than a crontab string: crontab lines cannot name `area.task` tasks.)
 */
export const SCHEDULE: CronItem[] = [
  { match: "0 * * * *", task: DEMO_REMINDERS_TASK },
  // Every minute, so a demo stops working at the registrar within about a minute of its end.
  { match: "* * * * *", task: DEMO_EXPIRY_TASK },
  { match: "*/15 * * * *", task: SCHEDULED_RECONCILE_TASK },
  { match: "30 * * * *", task: SIGN_IN_CLEANUP_TASK },
  { match: "30 * * * *", task: SAVED_TRACE_RETENTION_TASK },
  { match: "45 3 * * *", task: CALL_RECORD_RETENTION_TASK },
  // Every minute, so a trunk that crossed a daily cap is suspended (and support told) within about a minute.
  { match: "* * * * *", task: FRAUD_GUARD_SCAN_TASK },
  // Every minute too: support hears of a burst of failed authentications within about a minute.
  { match: "* * * * *", task: AUTH_FAILURE_SCAN_TASK },
  // Every minute: trunk.registered and trunk.unregistered webhooks follow PBXs within about a minute.
  { match: "* * * * *", task: REGISTRATION_WATCH_TASK },
  { match: "45 3 * * *", task: RETENTION_TASK },
];

export type WorkerDependencies = {
  db: Db;
  registrar: Registrar;
  transport: MailTransport;
  mailFrom: string;
  /** Remove registrar subscribers the portal does not know (REGISTRAR_RECONCILE_REMOVE_UNKNOWN). */
  removeUnknownSubscribers: boolean;
  /** Where webhooks may be delivered (WEBHOOK_HTTP_HOSTS, WEBHOOK_ALLOW_PRIVATE_ADDRESSES). */
  webhookPolicy: WebhookNetworkPolicy;
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

/**
 * A job naming one item (`one`: "trunkId") or several (`many`: "trunkIds", the checks of a sync batch, the shared job
 * of trunks created together), read as the list of them.
 */
const idsPayload = (one: string, many: string) =>
  z
    .object({ [one]: z.string().min(1).optional(), [many]: z.array(z.string().min(1)).min(1).optional() })
    .refine((payload) => payload[one] !== undefined || payload[many] !== undefined, {
      message: `${one} or ${many} is required`,
      path: [one],
    })
    .transform((payload) => (payload[many] as string[] | undefined) ?? [payload[one] as string]);
const trunksPayload = idsPayload("trunkId", "trunkIds");
const mailPayload = idsPayload("mailId", "mailIds");
const requestMeta = z.object({
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  apiKeyId: z.string().nullable().optional(),
}) satisfies z.ZodType<RequestMeta>;

/**
 * A task whose payload is checked when its job starts. A job queued with a payload the task cannot read fails with an
 * error naming the task and the problem (in the job's last_error and the worker's log), rather than somewhere inside.
 */
function withPayload<T>(schema: z.ZodType<T>, run: (payload: T, helpers: JobHelpers) => Promise<void>): Task {
  return async (payload, helpers) => {
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      throw new Error(`${helpers.job.task_identifier}: invalid payload: ${z.prettifyError(parsed.error)}`);
    }
    await run(parsed.data, helpers);
  };
}

/** Every background job the worker knows, by task name. */
export function jobTasks({
  db,
  registrar,
  transport,
  mailFrom,
  removeUnknownSubscribers,
  webhookPolicy,
  retention = DEFAULT_RETENTION,
}: WorkerDependencies): TaskList {
  // Whether the registrar took the last sync. While it does not (an outage), each job syncs its own trunk only: a
  // failing batch records only its own trunk, so taking the others along would read every waiting trunk per job.
  let registrarAnswering = true;
  return {
    [SYNC_TRUNK_TASK]: withPayload(trunksPayload, async (trunkIds) => {
      // Other trunks waiting for a sync go along in the same registrar transaction (their jobs are then removed).
      const alsoPending = registrarAnswering ? Math.max(0, SYNC_BATCH_SIZE - trunkIds.length) : 0;
      const outcomes = await syncTrunks(db, registrar, trunkIds, { alsoPending, force: false });
      for (const [id, outcome] of outcomes) reportFailure(SYNC_TRUNK_TASK, id, outcome);
      const own = trunkIds.map((id) => outcomes.get(id)?.outcome);
      if (own.includes("failed")) registrarAnswering = false;
      else if (own.includes("synced")) registrarAnswering = true;
    }),
    [SYNC_PROVIDER_POLICY_TASK]: async () => {
      await syncProviderPolicy(db, registrar);
    },
    [CREDENTIAL_CHECK_TASK]: withPayload(trunksPayload, async (trunkIds) => {
      await runCredentialChecks(db, trunkIds);
    }),
    [SEND_MAIL_TASK]: withPayload(mailPayload, async (mailIds, helpers) => {
      // Other waiting messages go along (their jobs are removed once each is sent).
      const outcomes = await deliverMail(db, transport, mailFrom, mailIds, {
        alsoQueued: Math.max(0, MAIL_BATCH_SIZE - mailIds.length),
        workerId: helpers.job.locked_by as string,
      });
      for (const [id, outcome] of outcomes) reportFailure(SEND_MAIL_TASK, id, outcome);
    }),
    [DELIVER_WEBHOOK_TASK]: withPayload(z.object({ deliveryId: z.string().min(1) }), async ({ deliveryId }) => {
      reportFailure(DELIVER_WEBHOOK_TASK, deliveryId, await deliverWebhook(db, webhookPolicy, deliveryId));
    }),
    [DEMO_REMINDERS_TASK]: async () => {
      await queueDemoReminders(db);
    },
    [DEMO_EXPIRY_TASK]: async () => {
      await expireDemos(db);
    },
    [RECONCILE_TASK]: withPayload(z.object({ runId: z.string().min(1) }), async ({ runId }) => {
      await runReconciliation(db, registrar, runId, { removeUnknown: removeUnknownSubscribers });
    }),
    [SAVED_TRACE_RETENTION_TASK]: async () => {
      await deleteExpiredTraces(db);
    },
    [FRAUD_GUARD_SCAN_TASK]: async () => {
      await suspendTrunksOverDailyCaps(db, registrar);
    },
    [AUTH_FAILURE_SCAN_TASK]: async () => {
      await scanAuthFailureBursts(db, registrar);
    },
    [CALL_RECORD_RETENTION_TASK]: async () => {
      await purgeOldCallRecords(db, registrar);
    },
    [SCHEDULED_RECONCILE_TASK]: async () => {
      await queueReconciliation(db, "schedule", null);
    },
    [REGISTRATION_WATCH_TASK]: async () => {
      await watchRegistrations(db, registrar);
    },
    [RUN_IMPORT_TASK]: withPayload(z.object({ importId: z.string().min(1) }), async ({ importId }) => {
      await runImport(db, importId);
    }),
    [SIGN_IN_CLEANUP_TASK]: async () => {
      await deleteExpiredSignInRecords(db);
      await deleteExpiredIdempotencyKeys(db);
    },
    [RETENTION_TASK]: async () => {
      log.info({ component: "worker", task: RETENTION_TASK, ...(await pruneOldRecords(db, retention)) }, "pruned");
    },
    [SIGN_IN_LINK_TASK]: withPayload(z.object({ email: z.string() }), async ({ email }) => {
      await sendSignInLink(db, email);
    }),
    [PASSWORD_RESET_REQUEST_TASK]: withPayload(
      z.object({ email: z.string(), meta: requestMeta }),
      async ({ email, meta }) => {
        await sendPasswordReset(db, email, meta);
      },
    ),
  };
}
