import { createServer } from "node:http";
import { getDb } from "../db";
import type { Env } from "../env";
import { createMailTransport } from "../mail/transport";
import { log } from "../observability/log";
import { metrics, metricsResponse } from "../observability/metrics";
import { registrarFromEnv } from "../registrar";
import { retentionFromEnv } from "../retention";
import { webhookNetworkPolicy } from "../webhooks/network";
import { jobTasks, SCHEDULE, type WorkerDependencies } from "./tasks";
import { startWorker } from "./worker";

/** The worker's real collaborators, from the validated configuration. */
export function workerDependencies(env: Env): WorkerDependencies {
  return {
    db: getDb(),
    registrar: registrarFromEnv(),
    transport: createMailTransport(env.SMTP_URL),
    mailFrom: env.MAIL_FROM,
    removeUnknownSubscribers: env.REGISTRAR_RECONCILE_REMOVE_UNKNOWN,
    webhookPolicy: webhookNetworkPolicy(env),
    retention: retentionFromEnv(env),
  };
}

/**
 * The portal's background worker: every task and the recurring schedule. `npm start` and `npm run worker` both start
 * it through here, so a worker deployed on its own runs exactly the same jobs. Stopping it closes its registrar too.
 */
export async function startPortalWorker(env: Env) {
  const dependencies = workerDependencies(env);
  const runner = await startWorker({
    connectionString: env.DATABASE_URL,
    taskList: jobTasks(dependencies),
    schedule: SCHEDULE,
  });
  metrics().watchQueue(dependencies.db);
  const metricsServer = env.WORKER_METRICS_PORT ? await serveMetrics(env.WORKER_METRICS_PORT, env.METRICS_TOKEN) : null;
  return {
    async stop() {
      metricsServer?.close();
      await runner.stop();
      await dependencies.registrar.close();
    },
  };
}

/** The worker's own metrics (sync lag, failures) at GET /metrics on `port`, for the same token as the web's. */
async function serveMetrics(port: number, token: string | undefined) {
  const server = createServer((request, response) => {
    if (request.method !== "GET" || request.url !== "/metrics") {
      response.writeHead(404).end();
      return;
    }
    metricsResponse(request.headers.authorization ?? null, token).then(
      ({ status, contentType, body }) => response.writeHead(status, { "Content-Type": contentType }).end(body),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, resolve));
  log.info({ component: "worker", port }, "metrics served at /metrics");
  return server;
}
