import { getDb } from "../db";
import type { Env } from "../env";
import { createMailTransport } from "../mail/transport";
import { registrarFromEnv } from "../registrar";
import { webhookNetworkPolicy } from "../webhooks/network";
import { CRONTAB, jobTasks, type WorkerDependencies } from "./tasks";
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
    crontab: CRONTAB,
  });
  return {
    async stop() {
      await runner.stop();
      await dependencies.registrar.close();
    },
  };
}
