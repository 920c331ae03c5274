import type { Db } from "../db";
import { registrarHealth } from "../registrar/connection";
import type { Registrar } from "../registrar/types";
import { queueLag } from "./metrics";

/** Jobs waiting longer than this mean the workers are down or cannot keep up. */
export const MAX_QUEUE_LAG_SECONDS = 60;
const CHECK_TIMEOUT_MS = 3_000;

type Check = { ok: boolean; ms?: number; error?: string; oldestJobSeconds?: number };

async function timed(work: () => Promise<Omit<Check, "ms">>): Promise<Check> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Check>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, error: `no answer within ${CHECK_TIMEOUT_MS / 1000} s` }),
      CHECK_TIMEOUT_MS,
    );
  });
  try {
    const result = await Promise.race([work(), timeout]);
    return { ...result, ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message.split("\n")[0] : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether this instance can serve: its database answers (else 503, take it out of the load balancer). The registrar
 * and the job queue are reported too; when they fail the portal still serves (changes wait in the outbox), so the
 * status is "degraded" with 200 — restarting web instances would not fix either.
 */
export async function readiness(db: Db, registrar: () => Registrar) {
  const database = await timed(async () => {
    await db.$queryRaw`SELECT 1`;
    return { ok: true };
  });
  const [registrarCheck, queue] = await Promise.all([
    timed(async () => {
      const health = await registrarHealth(registrar(), CHECK_TIMEOUT_MS);
      return health.answers ? { ok: true } : { ok: false, error: health.error };
    }),
    database.ok
      ? timed(async () => {
          const rows = await queueLag(db);
          const oldest = Math.max(0, ...rows.map((row) => row.oldestSeconds));
          const lag = { ok: oldest <= MAX_QUEUE_LAG_SECONDS, oldestJobSeconds: Math.round(oldest * 10) / 10 };
          return oldest <= MAX_QUEUE_LAG_SECONDS
            ? lag
            : { ...lag, error: "jobs are waiting: are the workers running?" };
        })
      : Promise.resolve<Check>({ ok: false, error: "database unavailable" }),
  ]);
  const status = !database.ok ? "unavailable" : registrarCheck.ok && queue.ok ? "ready" : "degraded";
  return {
    httpStatus: database.ok ? 200 : 503,
    body: { status, checks: { database, registrar: registrarCheck, queue } },
  };
}
