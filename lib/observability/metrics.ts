import { timingSafeEqual } from "node:crypto";
import client from "prom-client";
import type { Db } from "../db";

/** How long each runnable job has waited, per task: the queue's depth and age. */
export async function queueLag(db: Db) {
  return db.$queryRaw<{ task: string; depth: number; oldestSeconds: number }[]>`
    SELECT task_identifier AS task, count(*)::int AS depth,
           extract(epoch FROM now() - min(run_at))::float8 AS "oldestSeconds"
    FROM graphile_worker.jobs
    WHERE locked_at IS NULL AND run_at <= now() AND attempts < max_attempts
    GROUP BY task_identifier`;
}

/** Seconds of server time: a page or command well under 50 ms, up to the slow ones worth a look. */
const SERVER_TIME_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: "trunk_portal_" });
  let database: Db | null = null;
  const queueDepth = new client.Gauge({
    name: "trunk_portal_queue_depth",
    help: "Jobs ready to run and not yet taken, per task.",
    labelNames: ["task"],
    registers: [registry],
  });
  const queueAge = new client.Gauge({
    name: "trunk_portal_queue_oldest_seconds",
    help: "How long the oldest job ready to run has waited, per task.",
    labelNames: ["task"],
    registers: [registry],
    // Read from the shared queue at scrape time, so every process reports the same, current numbers.
    async collect() {
      queueDepth.reset();
      queueAge.reset();
      if (!database) return;
      for (const row of await queueLag(database)) {
        queueDepth.set({ task: row.task }, row.depth);
        queueAge.set({ task: row.task }, row.oldestSeconds);
      }
    },
  });
  return {
    registry,
    /** The database whose job queue the queue gauges report. */
    watchQueue(db: Db) {
      database = db;
    },
    syncLag: new client.Histogram({
      name: "trunk_portal_sync_lag_seconds",
      help: "From a trunk change to its registrar rows committed (observed by the worker).",
      buckets: [0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300],
      registers: [registry],
    }),
    syncFailures: new client.Counter({
      name: "trunk_portal_sync_failures_total",
      help: "Registrar syncs that failed (retried later) or were refused (needs attention).",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    mailFailures: new client.Counter({
      name: "trunk_portal_mail_failures_total",
      help: "Email deliveries that failed (retried later) or were given up.",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    signInFailures: new client.Counter({
      name: "trunk_portal_sign_in_failures_total",
      help: "Refused sign-in steps (wrong password or second factor).",
      labelNames: ["purpose", "step"],
      registers: [registry],
    }),
    commandDuration: new client.Histogram({
      name: "trunk_portal_command_duration_seconds",
      help: "Server time of each command (every change made through the portal), by command and outcome.",
      labelNames: ["command", "outcome"],
      buckets: SERVER_TIME_BUCKETS,
      registers: [registry],
    }),
    requestDuration: new client.Histogram({
      name: "trunk_portal_http_request_duration_seconds",
      help: "Server time of API requests, by route and status.",
      labelNames: ["route", "status"],
      buckets: SERVER_TIME_BUCKETS,
      registers: [registry],
    }),
  };
}

const globalForMetrics = globalThis as unknown as { trunkPortalMetrics?: ReturnType<typeof createMetrics> };

/** This process's metrics (one registry however many bundles load this module). */
export function metrics() {
  globalForMetrics.trunkPortalMetrics ??= createMetrics();
  return globalForMetrics.trunkPortalMetrics;
}

/**
 * Whether a scrape may read the metrics: only with `Authorization: Bearer <METRICS_TOKEN>`. Without a token
 * configured the metrics are not served at all (they name tasks, commands and volumes: not for the public).
 */
export function metricsAccess(authorization: string | null, token: string | undefined): "ok" | "disabled" | "denied" {
  if (!token) return "disabled";
  const given = Buffer.from(authorization?.replace(/^Bearer\s+/i, "") ?? "");
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected) ? "ok" : "denied";
}

/** The response to a metrics scrape, with its status. */
export async function metricsResponse(authorization: string | null, token: string | undefined) {
  const access = metricsAccess(authorization, token);
  if (access === "disabled") return { status: 404, contentType: "text/plain", body: "Not found\n" };
  if (access === "denied") return { status: 401, contentType: "text/plain", body: "Unauthorized\n" };
  const { registry } = metrics();
  return { status: 200, contentType: registry.contentType, body: await registry.metrics() };
}

/** A route handler whose server time is recorded (by route and status) and whose requests are logged. */
export function timedRoute(route: string, handler: (request: Request) => Promise<Response>) {
  return async (request: Request) => {
    const started = performance.now();
    const response = await handler(request);
    const seconds = (performance.now() - started) / 1000;
    metrics().requestDuration.observe({ route, status: String(response.status) }, seconds);
    return response;
  };
}
