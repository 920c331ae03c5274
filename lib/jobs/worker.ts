import { Logger, type Runner, run, runMigrations, type TaskList } from "graphile-worker";

/** Creates or upgrades graphile-worker's own schema (its job table is the outbox). */
export async function migrateJobQueue(connectionString: string) {
  await runMigrations({ connectionString, logger: quietLogger() });
}

/**
 * Runs the background worker: jobs are picked up through LISTEN/NOTIFY as soon as their transaction commits, and
 * failures are retried with exponential backoff by graphile-worker.
 */
export async function startWorker(options: {
  connectionString: string;
  taskList: TaskList;
  crontab?: string;
  concurrency?: number;
}): Promise<Runner> {
  return run({
    connectionString: options.connectionString,
    taskList: options.taskList,
    crontab: options.crontab ?? "",
    concurrency: options.concurrency ?? 5,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: quietLogger(),
  });
}

/** graphile-worker logs every job at info level; keep warnings and errors only. */
function quietLogger() {
  return new Logger(() => (level, message) => {
    if (level === "error" || level === "warning") console.error(`[worker] ${message}`);
  });
}
