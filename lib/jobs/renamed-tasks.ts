import pg from "pg";
import { PORTAL_SESSION } from "../postgres-session";

/**
 * Tasks whose identifier changed, old → new (all read `area.task-name` since November 2026; some were
 * `area_task_name`). graphile-worker stores the identifier with every queued job and with each schedule's last run.
 */
export const RENAMED_TASKS: Record<string, string> = {
  customers_demo_expiry_notices: "customers.demo-expiry-notices",
  customers_demo_expiry: "customers.demo-expiry",
  registrar_reconcile: "registrar.reconcile",
  registrar_reconcile_scheduled: "registrar.reconcile-scheduled",
  auth_sign_in_cleanup: "auth.sign-in-cleanup",
  trunks_saved_trace_retention: "trunks.saved-trace-retention",
  registrar_call_record_retention: "registrar.call-record-retention",
  trunks_fraud_guard_scan: "trunks.fraud-guard-scan",
  trunks_auth_failure_scan: "trunks.auth-failure-scan",
  registrar_registration_watch: "registrar.registration-watch",
  retention_prune: "retention.prune",
};

/**
 * Moves jobs queued, and schedules recorded, under an old identifier to the new one, so work queued before an upgrade
 * still runs and no scheduled run is repeated or lost. Part of migrating the job queue (every start); it does nothing
 * once nothing carries an old name. A process still running old code can queue an old name again until it stops: the
 * next start moves those too.
 */
export async function moveRenamedTasks(connectionString: string, renamed = RENAMED_TASKS) {
  const client = new pg.Client({ ...PORTAL_SESSION, connectionString });
  await client.connect();
  const literal = (name: string) => client.escapeLiteral(name);
  const pairs = `(VALUES ${Object.entries(renamed)
    .map(([from, to]) => `(${literal(from)}, ${literal(to)})`)
    .join(", ")}) AS renamed(old_identifier, new_identifier)`;
  const oldNames = `ARRAY[${Object.keys(renamed).map(literal).join(", ")}]::text[]`;
  try {
    // One query of several statements: PostgreSQL runs it as one transaction. Starting processes (web and worker) run
    // it at the same time: the lock makes them take turns.
    await client.query(`
      SELECT pg_advisory_xact_lock(hashtext('trunk-portal:renamed-tasks'));
      INSERT INTO graphile_worker._private_tasks (identifier)
        SELECT new_identifier FROM ${pairs}
        WHERE EXISTS (SELECT 1 FROM graphile_worker._private_tasks WHERE identifier = old_identifier)
        ON CONFLICT (identifier) DO NOTHING;
      UPDATE graphile_worker._private_jobs AS job SET task_id = new_task.id
        FROM ${pairs}
        JOIN graphile_worker._private_tasks AS old_task ON old_task.identifier = old_identifier
        JOIN graphile_worker._private_tasks AS new_task ON new_task.identifier = new_identifier
        WHERE job.task_id = old_task.id;
      DELETE FROM graphile_worker._private_tasks WHERE identifier = ANY(${oldNames});
      UPDATE graphile_worker._private_known_crontabs AS crontab SET identifier = new_identifier
        FROM ${pairs}
        WHERE crontab.identifier = old_identifier
          AND NOT EXISTS (SELECT 1 FROM graphile_worker._private_known_crontabs WHERE identifier = new_identifier);
      DELETE FROM graphile_worker._private_known_crontabs WHERE identifier = ANY(${oldNames});`);
  } finally {
    await client.end();
  }
}
