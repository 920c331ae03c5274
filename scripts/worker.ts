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

const secrets = loadOrCreateSecrets(path.resolve(ROOT, process.env.DATA_DIR ?? ".data"), process.env);
Object.assign(process.env, secrets);
const env = parseEnv(process.env);
await migrateJobQueue(env.DATABASE_URL);
const worker = await startPortalWorker(env);
console.info("[worker] running; Ctrl-C to stop");
const stop = async () => {
  await worker.stop();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
