/**
 * `npm run worker`: the background worker on its own, for deployments that run it apart from the web server.
 * Needs DATABASE_URL (and the same secrets as the web server); `npm start` runs this same worker (tasks and schedule)
 * itself.
 */
import path from "node:path";
import { parseEnv } from "../lib/env";
import { startPortalWorker } from "../lib/jobs/dependencies";
import { migrateJobQueue } from "../lib/jobs/worker";
import { ROOT } from "../lib/paths";
import { loadOrCreateSecrets } from "../lib/runtime-secrets";

// Signal handlers first: a Ctrl-C or SIGTERM during start-up still stops the worker cleanly once it is up.
let starting: Promise<{ stop(): Promise<void> } | null> = Promise.resolve(null);
const stop = async () => {
  const worker = await starting.catch(() => null);
  await worker?.stop();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());

const secrets = loadOrCreateSecrets(path.resolve(ROOT, process.env.DATA_DIR ?? ".data"), process.env);
Object.assign(process.env, secrets);
const env = parseEnv(process.env);
starting = migrateJobQueue(env.DATABASE_URL).then(() => startPortalWorker(env));
await starting;
console.info("[worker] running; Ctrl-C to stop");
