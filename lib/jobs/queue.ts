import type { Tx } from "../db";

/**
 * The outbox: jobs are rows in graphile-worker's queue, inserted through the caller's transaction, so a job exists
 * exactly when the change that needs it was committed. The worker (./worker) picks them up via LISTEN/NOTIFY within
 * milliseconds and retries failures with exponential backoff.
 */
export type JobOptions = {
  /** Jobs with the same key are coalesced: a newer request replaces a pending one. */
  jobKey?: string;
  maxAttempts?: number;
  runAt?: Date;
  /** Jobs of one named queue run one at a time, so they never take every worker slot. */
  queueName?: string;
};

export async function enqueueJob(tx: Tx, task: string, payload: Record<string, unknown>, options: JobOptions = {}) {
  await tx.$executeRaw`
    SELECT graphile_worker.add_job(
      ${task}::text,
      payload := ${JSON.stringify(payload)}::json,
      queue_name := ${options.queueName ?? null}::text,
      run_at := ${options.runAt ?? null}::timestamptz,
      max_attempts := ${options.maxAttempts ?? null}::int,
      job_key := ${options.jobKey ?? null}::text
    )`;
}

/** When graphile-worker will retry a job that has failed `attempts` times (its exp(min(attempts, 10)) seconds). */
export function nextRetryAt(attempts: number, from = new Date()): Date {
  return new Date(from.getTime() + Math.exp(Math.min(attempts, 10)) * 1000);
}
