import pg from "pg";

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
  const client = new pg.Client({ connectionString });
  await client.connect();
  const names = [Object.keys(renamed), Object.values(renamed)];
  const pairs = "unnest($1::text[], $2::text[]) AS renamed(old_identifier, new_identifier)";
  try {
    await client.query("BEGIN");
    // Starting processes (web and worker) run this at the same time: one after the other.
    await client.query("SELECT pg_advisory_xact_lock(hashtext('trunk-portal:renamed-tasks'))");
    await client.query(
      `INSERT INTO graphile_worker._private_tasks (identifier)
       SELECT new_identifier FROM ${pairs}
       WHERE EXISTS (SELECT 1 FROM graphile_worker._private_tasks WHERE identifier = old_identifier)
       ON CONFLICT (identifier) DO NOTHING`,
      names,
    );
    await client.query(
      `UPDATE graphile_worker._private_jobs AS job SET task_id = new_task.id
       FROM ${pairs}
       JOIN graphile_worker._private_tasks AS old_task ON old_task.identifier = old_identifier
       JOIN graphile_worker._private_tasks AS new_task ON new_task.identifier = new_identifier
       WHERE job.task_id = old_task.id`,
      names,
    );
    await client.query("DELETE FROM graphile_worker._private_tasks WHERE identifier = ANY($1::text[])", [names[0]]);
    await client.query(
      `UPDATE graphile_worker._private_known_crontabs AS crontab SET identifier = new_identifier
       FROM ${pairs}
       WHERE crontab.identifier = old_identifier
         AND NOT EXISTS (SELECT 1 FROM graphile_worker._private_known_crontabs WHERE identifier = new_identifier)`,
      names,
    );
    await client.query("DELETE FROM graphile_worker._private_known_crontabs WHERE identifier = ANY($1::text[])", [
      names[0],
    ]);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}
