import { type SqlTx, sqlRows, type Tx } from "../db";
import { Prisma } from "../generated/prisma/client";

/**
 * The outbox: jobs are rows in graphile-worker's queue, inserted through the caller's transaction, so a job exists
 * exactly when the change that needs it was committed. The worker (./worker) picks them up via LISTEN/NOTIFY within
 * milliseconds.
 */
export type JobOptions = {
  /** Jobs with the same key are coalesced: a newer request replaces a pending one. */
  jobKey?: string;
  /** With a key: keep the pending job's run time when it has one already (a retry must not delay a fresh request). */
  keepPendingRunAt?: boolean;
  maxAttempts?: number;
  runAt?: Date;
  /** Jobs of one named queue run one at a time, so they never take every worker slot. */
  queueName?: string;
  /** Waiting jobs run lowest number first (graphile-worker's priority; 0 by default). */
  priority?: number;
};

/** A job to add: its payload, and its key when requests for the same thing coalesce. */
export type JobSpec = { payload: Record<string, unknown>; key: string | null };

/**
 * The jobs for items written together (trunks to sync, messages to send). One item gets its own keyed job, with which
 * a later request for it coalesces; many share one unkeyed job per `perJob` of them instead of one each, which the
 * worker would add, fetch and remove one by one.
 */
export function sharedJobSpecs(
  ids: string[],
  perJob: number,
  own: (id: string) => JobSpec,
  shared: (ids: string[]) => JobSpec["payload"],
): JobSpec[] {
  if (ids.length === 1) return ids.map(own);
  const specs: JobSpec[] = [];
  for (let start = 0; start < ids.length; start += perJob) {
    specs.push({ payload: shared(ids.slice(start, start + perJob)), key: null });
  }
  return specs;
}

/**
 * Queues a job; returns when it will run (graphile-worker's run_at for it). In a `sqlTransaction` (the worker's sync
 * batches) it is a named statement, parsed and planned once per connection.
 */
export async function enqueueJob(
  tx: Tx | SqlTx,
  task: string,
  payload: Record<string, unknown>,
  options: JobOptions = {},
): Promise<Date> {
  const [job] = await sqlRows<{ run_at: Date }>(
    tx,
    Prisma.sql`
    SELECT run_at FROM graphile_worker.add_job(
      ${task}::text,
      payload := ${JSON.stringify(payload)}::json,
      queue_name := ${options.queueName ?? null}::text,
      run_at := ${options.runAt ?? null}::timestamptz,
      max_attempts := ${options.maxAttempts ?? null}::int,
      job_key := ${options.jobKey ?? null}::text,
      priority := ${options.priority ?? null}::int,
      job_key_mode := ${options.keepPendingRunAt ? "preserve_run_at" : "replace"}::text
    )`,
    "enqueue-job",
  );
  return job?.run_at ?? new Date();
}

/**
 * Retries of failures that are expected (a registrar or SMTP server down): 5 s, 10 s, 20 s… capped at 5 minutes, so
 * work resumes within minutes of the outage ending. graphile-worker 0.16's own retry delay cannot be configured
 * (exp(min(attempts, 10)) seconds: 6 hours from the 10th failure), so such tasks do not throw: they record the
 * failure and queue their next run with `retryLater` in one transaction, and complete. graphile-worker's retries
 * remain for the unexpected (a task that throws, a worker that dies mid-job).
 */
export const RETRY_FIRST_DELAY_MS = 5_000;
export const RETRY_MAX_DELAY_MS = 5 * 60_000;

export function retryDelayMs(failures: number): number {
  return Math.min(RETRY_MAX_DELAY_MS, RETRY_FIRST_DELAY_MS * 2 ** Math.max(0, failures - 1));
}

/** Queues the next run after `failures` consecutive failures; returns when it will run. */
export function retryLater(
  tx: Tx,
  task: string,
  payload: Record<string, unknown>,
  jobKey: string,
  failures: number,
  priority?: number,
) {
  return enqueueJob(tx, task, payload, {
    jobKey,
    priority,
    runAt: new Date(Date.now() + retryDelayMs(failures)),
    // A change requested meanwhile has queued a run due now: keep it.
    keepPendingRunAt: true,
  });
}
