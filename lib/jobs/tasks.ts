import type { TaskList } from "graphile-worker";
import { purgeOldCallRecords } from "../calls";
import { queueDemoExpiryNotices } from "../customers/demo-expiry";
import type { Db } from "../db";
import { deliverMail } from "../mail/deliver";
import { SEND_MAIL_TASK } from "../mail/outbox";
import type { MailTransport } from "../mail/transport";
import { deleteExpiredTraces } from "../packet-check/service";
import { queueReconciliation, RECONCILE_TASK } from "../registrar/commands";
import { SYNC_PROVIDER_POLICY_TASK, syncProviderPolicy } from "../registrar/provider-policy";
import { runReconciliation } from "../registrar/reconcile";
import { syncTrunk } from "../registrar/sync";
import type { Registrar } from "../registrar/types";
import { CREDENTIAL_CHECK_TASK, runCredentialCheck } from "../trunks/credential-check";
import { suspendTrunksOverDailyCaps } from "../trunks/fraud-guard";
import { SYNC_TRUNK_TASK } from "../trunks/provision";

export const DEMO_EXPIRY_TASK = "customers_demo_expiry_notices";
const SAVED_TRACE_RETENTION_TASK = "trunks_saved_trace_retention";
const CALL_RECORD_RETENTION_TASK = "registrar_call_record_retention";
const FRAUD_GUARD_SCAN_TASK = "trunks_fraud_guard_scan";
const SCHEDULED_RECONCILE_TASK = "registrar_reconcile_scheduled";

/** Recurring jobs, in graphile-worker's crontab format. */
export const CRONTAB = [
  `0 * * * * ${DEMO_EXPIRY_TASK}`,
  `*/15 * * * * ${SCHEDULED_RECONCILE_TASK}`,
  `30 * * * * ${SAVED_TRACE_RETENTION_TASK}`,
  `45 3 * * * ${CALL_RECORD_RETENTION_TASK}`,
  `* * * * * ${FRAUD_GUARD_SCAN_TASK}`,
].join("\n");

export type WorkerDependencies = {
  db: Db;
  registrar: Registrar;
  transport: MailTransport;
  mailFrom: string;
  /** Remove registrar subscribers the portal does not know (REGISTRAR_RECONCILE_REMOVE_UNKNOWN). */
  removeUnknownSubscribers: boolean;
};

/** Every background job the worker knows, by task name. */
export function jobTasks({
  db,
  registrar,
  transport,
  mailFrom,
  removeUnknownSubscribers,
}: WorkerDependencies): TaskList {
  return {
    [SYNC_TRUNK_TASK]: async (payload, helpers) => {
      const { trunkId } = payload as { trunkId: string };
      await syncTrunk(db, registrar, trunkId, helpers.job.attempts);
    },
    [SYNC_PROVIDER_POLICY_TASK]: async () => {
      await syncProviderPolicy(db, registrar);
    },
    [CREDENTIAL_CHECK_TASK]: async (payload) => {
      const { trunkId } = payload as { trunkId: string };
      await runCredentialCheck(db, trunkId);
    },
    [SEND_MAIL_TASK]: async (payload, helpers) => {
      const { mailId } = payload as { mailId: string };
      await deliverMail(db, transport, mailFrom, mailId, helpers.job.attempts);
    },
    [DEMO_EXPIRY_TASK]: async () => {
      await queueDemoExpiryNotices(db);
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
    [CALL_RECORD_RETENTION_TASK]: async () => {
      await purgeOldCallRecords(db, registrar);
    },
    [SCHEDULED_RECONCILE_TASK]: async () => {
      await queueReconciliation(db, "schedule", null);
    },
  };
}
