import { getDb } from "../db";
import type { Env } from "../env";
import { createMailTransport } from "../mail/transport";
import { registrarFromEnv } from "../registrar";
import type { WorkerDependencies } from "./tasks";

/** The worker's real collaborators, from the validated configuration. */
export function workerDependencies(env: Env): WorkerDependencies {
  return {
    db: getDb(),
    registrar: registrarFromEnv(),
    transport: createMailTransport(env.SMTP_URL),
    mailFrom: env.MAIL_FROM,
    removeUnknownSubscribers: env.REGISTRAR_RECONCILE_REMOVE_UNKNOWN,
  };
}
