import { EventEmitter } from "node:events";
import {
  type CronItem,
  Logger,
  parseCronItems,
  type Runner,
  run,
  runMigrations,
  type TaskList,
  type WorkerEvents,
} from "graphile-worker";
import pg from "pg";
import { log } from "../observability/log";
import { PORTAL_SESSION } from "../postgres-session";
import { moveRenamedTasks } from "./renamed-tasks";

/** Creates or upgrades graphile-worker's own schema (its job table is the outbox), and our tasks' renames in it. */
export async function migrateJobQueue(connectionString: string) {
  await runMigrations({ connectionString, logger: quietLogger() });
  await moveRenamedTasks(connectionString);
}

const HEARTBEAT_MS = 5_000;
/** A worker silent this long is taken for dead and its jobs are released to the others. */
export const DEFAULT_STALE_AFTER_MS = 30_000;

/**
 * Runs the background worker: jobs are picked up through LISTEN/NOTIFY as soon as their transaction commits, and
 * unexpected failures are retried with graphile-worker's exponential backoff (expected ones: see retryLater).
 *
 * graphile-worker only frees jobs held by a crashed worker after 4 hours. To make a crash cost seconds instead, each
 * worker beats into WorkerHeartbeat, and every worker releases jobs locked by workers whose beat has stopped.
 */
export async function startWorker(options: {
  connectionString: string;
  taskList: TaskList;
  schedule?: CronItem[];
  concurrency?: number;
  staleAfterMs?: number;
}): Promise<Runner> {
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  const concurrency = options.concurrency ?? 5;
  // One pool for the queue and the heartbeats, owned here so it always has an error listener: a connection dropped
  // by the server (restart, or shutdown racing ours on Ctrl-C) is replaced on the next query, not a crash.
  const pool = new pg.Pool({ ...PORTAL_SESSION, connectionString: options.connectionString, max: concurrency + 3 });
  pool.on("error", (error) => workerLog.error({ error: error.message }, "database connection lost"));
  const workerIds = new Set<string>();
  const events: WorkerEvents = new EventEmitter();
  events.on("worker:create", ({ worker }) => {
    workerIds.add(worker.workerId);
    void beat();
  });

  async function beat() {
    await pool.query(
      `INSERT INTO "WorkerHeartbeat" ("workerId", "beatAt") SELECT unnest($1::text[]), now()
       ON CONFLICT ("workerId") DO UPDATE SET "beatAt" = now()`,
      [[...workerIds]],
    );
  }
  async function releaseJobsOfDeadWorkers() {
    await pool.query(
      `SELECT graphile_worker.force_unlock_workers(ARRAY(
         SELECT DISTINCT j.locked_by FROM graphile_worker.jobs j
         WHERE j.locked_by IS NOT NULL AND j.locked_at < now() - $1 * interval '1 millisecond'
           AND NOT EXISTS (SELECT 1 FROM "WorkerHeartbeat" h
                           WHERE h."workerId" = j.locked_by AND h."beatAt" > now() - $1 * interval '1 millisecond')))`,
      [staleAfterMs],
    );
    await pool.query(`DELETE FROM "WorkerHeartbeat" WHERE "beatAt" < now() - interval '1 day'`);
  }

  const runner = await run({
    pgPool: pool,
    taskList: options.taskList,
    parsedCronItems: parseCronItems(options.schedule ?? []),
    concurrency,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: quietLogger(),
    events,
  });
  const timer = setInterval(
    () => {
      beat()
        .then(releaseJobsOfDeadWorkers)
        .catch((error) =>
          workerLog.error({ error: error instanceof Error ? error.message : String(error) }, "heartbeat failed"),
        );
    },
    Math.min(HEARTBEAT_MS, staleAfterMs / 3),
  );
  await beat();

  // graphile-worker stops the runner by itself when its job pool or schedule fails (the database shutting down), and
  // its stop() throws when called again: a signal arriving after that, or a second signal, must not crash the process.
  let runnerStopped = false;
  events.on("stop", () => {
    runnerStopped = true;
  });
  const stopRunner = runner.stop;
  let stopping: Promise<void> | undefined;
  runner.stop = () => {
    stopping ??= (async () => {
      clearInterval(timer);
      if (!runnerStopped) await stopRunner();
      // Best effort: a heartbeat left behind goes stale, and its worker's jobs are released then.
      await pool
        .query(`DELETE FROM "WorkerHeartbeat" WHERE "workerId" = ANY($1::text[])`, [[...workerIds]])
        .catch((error: unknown) =>
          workerLog.warn({ error: error instanceof Error ? error.message : String(error) }, "heartbeat not removed"),
        );
      await pool.end();
    })();
    return stopping;
  };
  return runner;
}

const workerLog = log.child({ component: "worker" });

/** graphile-worker logs every job at info level; keep warnings and errors only, with the job they are about. */
function quietLogger() {
  return new Logger((scope) => (level, message) => {
    const fields = { jobId: scope.jobId ?? null, task: scope.taskIdentifier ?? null };
    if (level === "error") workerLog.error(fields, message);
    else if (level === "warning") workerLog.warn(fields, message);
  });
}
