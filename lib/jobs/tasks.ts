import type { TaskList } from "graphile-worker";
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
import { SEND_MAIL_TASK } from "../mail/outbox";
import type { MailTransport } from "../mail/transport";
import { deleteExpiredTraces } from "../packet-check/service";
import { queueReconciliation, RECONCILE_TASK } from "../registrar/commands";
import { SYNC_PROVIDER_POLICY_TASK, syncProviderPolicy } from "../registrar/provider-policy";
import { runReconciliation } from "../registrar/reconcile";
import { watchRegistrations } from "../registrar/registration-watch";
import { syncTrunk } from "../registrar/sync";
import type { Registrar } from "../registrar/types";
import { scanAuthFailureBursts } from "../trunks/auth-failures";
import { CREDENTIAL_CHECK_TASK, runCredentialCheck } from "../trunks/credential-check";
import { suspendTrunksOverDailyCaps } from "../trunks/fraud-guard";
import { SYNC_TRUNK_TASK } from "../trunks/provision";
import { deliverWebhook } from "../webhooks/deliver";
import { DELIVER_WEBHOOK_TASK } from "../webhooks/events";
import type { WebhookNetworkPolicy } from "../webhooks/network";

export const DEMO_REMINDERS_TASK = "customers_demo_expiry_notices";
export const DEMO_EXPIRY_TASK = "customers_demo_expiry";
export const SCHEDULED_RECONCILE_TASK = "registrar_reconcile_scheduled";
export const SIGN_IN_CLEANUP_TASK = "auth_sign_in_cleanup";
const SAVED_TRACE_RETENTION_TASK = "trunks_saved_trace_retention";
const CALL_RECORD_RETENTION_TASK = "registrar_call_record_retention";
const FRAUD_GUARD_SCAN_TASK = "trunks_fraud_guard_scan";
const AUTH_FAILURE_SCAN_TASK = "trunks_auth_failure_scan";
export const REGISTRATION_WATCH_TASK = "registrar_registration_watch";

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
  `30 * * * * ${SAVED_TRACE_RETENTION_TASK}`,
  `45 3 * * * ${CALL_RECORD_RETENTION_TASK}`,
  // Every minute, so a trunk that crossed a daily cap is suspended (and support told) within about a minute.
  `* * * * * ${FRAUD_GUARD_SCAN_TASK}`,
  // Every minute too: support hears of a burst of failed authentications within about a minute.
  `* * * * * ${AUTH_FAILURE_SCAN_TASK}`,
  // Every minute: trunk.registered and trunk.unregistered webhooks follow PBXs within about a minute.
  `* * * * * ${REGISTRATION_WATCH_TASK}`,
].join("\n");

export type WorkerDependencies = {
  db: Db;
  registrar: Registrar;
  transport: MailTransport;
  mailFrom: string;
  /** Remove registrar subscribers the portal does not know (REGISTRAR_RECONCILE_REMOVE_UNKNOWN). */
  removeUnknownSubscribers: boolean;
  /** Where webhooks may be delivered (WEBHOOK_HTTP_HOSTS, WEBHOOK_ALLOW_PRIVATE_ADDRESSES). */
  webhookPolicy: WebhookNetworkPolicy;
};

/** Failures the tasks handled themselves (recorded, retried or given up) still belong in the worker's log. */
function reportFailure(task: string, id: string, result: { outcome: string; error?: string; nextAttemptAt?: Date }) {
  if (!result.error) return;
  const next = result.nextAttemptAt ? `next attempt at ${result.nextAttemptAt.toISOString()}` : "not retried";
  console.error(`[worker] ${task} ${id} ${result.outcome} (${next}): ${result.error}`);
}

/** Every background job the worker knows, by task name. */
export function jobTasks({
  db,
  registrar,
  transport,
  mailFrom,
  removeUnknownSubscribers,
  webhookPolicy,
}: WorkerDependencies): TaskList {
  return {
    [SYNC_TRUNK_TASK]: async (payload) => {
      const { trunkId } = payload as { trunkId: string };
      reportFailure(SYNC_TRUNK_TASK, trunkId, await syncTrunk(db, registrar, trunkId));
    },
    [SYNC_PROVIDER_POLICY_TASK]: async () => {
      await syncProviderPolicy(db, registrar);
    },
    [CREDENTIAL_CHECK_TASK]: async (payload) => {
      const { trunkId } = payload as { trunkId: string };
      await runCredentialCheck(db, trunkId);
    },
    [SEND_MAIL_TASK]: async (payload) => {
      const { mailId } = payload as { mailId: string };
      reportFailure(SEND_MAIL_TASK, mailId, await deliverMail(db, transport, mailFrom, mailId));
    },
    [DELIVER_WEBHOOK_TASK]: async (payload) => {
      const { deliveryId } = payload as { deliveryId: string };
      reportFailure(DELIVER_WEBHOOK_TASK, deliveryId, await deliverWebhook(db, webhookPolicy, deliveryId));
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
    [RUN_IMPORT_TASK]: async (payload) => {
      const { importId } = payload as { importId: string };
      await runImport(db, importId);
    },
    [SIGN_IN_CLEANUP_TASK]: async () => {
      await deleteExpiredSignInRecords(db);
      await deleteExpiredIdempotencyKeys(db);
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
