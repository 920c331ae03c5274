/**
 * `npm start`: everything the portal needs on one machine. Starts an embedded PostgreSQL under .data/ unless
 * DATABASE_URL is set, applies migrations, creates the first admin, builds the app if needed, and runs the web
 * server and the background worker. Ctrl-C stops all of it, the embedded database included.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { bootstrap } from "../lib/bootstrap";
import { createDb } from "../lib/db";
import { type EmbeddedDatabase, startEmbeddedPostgres, takeOverShutdownSignals } from "../lib/embedded-postgres";
import { parseEnv } from "../lib/env";
import { workerDependencies } from "../lib/jobs/dependencies";
import { CRONTAB, jobTasks } from "../lib/jobs/tasks";
import { migrateJobQueue, startWorker } from "../lib/jobs/worker";
import { ROOT } from "../lib/paths";
import { ensureRegistrarSchema } from "../lib/registrar/schema";
import { loadOrCreateSecrets } from "../lib/runtime-secrets";

const dev = process.argv.includes("--dev");
const dataDir = path.resolve(ROOT, process.env.DATA_DIR ?? ".data");
const port = Number(process.env.PORT ?? 3000);
const NEXT_BIN = path.join(ROOT, "node_modules", "next", "dist", "bin", "next");
const log = (message: string) => console.info(`[trunk-portal] ${message}`);

const cleanups: (() => Promise<void> | void)[] = [];
let stopping = false;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  // Synchronously first: the web server and any build are told to stop even if the process exits right after.
  for (const child of children) child.kill("SIGTERM");
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      console.error(error);
    }
  }
  process.exit(code);
}
takeOverShutdownSignals();
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void stop(0));

const children = new Set<ChildProcess>();

/** Runs a child process to completion; it is killed if the portal is stopped meanwhile (Ctrl-C during a build). */
function runChild(args: string[], env: NodeJS.ProcessEnv, quiet = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env,
      stdio: quiet ? ["ignore", "ignore", "inherit"] : "inherit",
    });
    children.add(child);
    child.once("exit", (code) => {
      children.delete(child);
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(args[0] ?? "")} ${args.slice(1).join(" ")} failed (exit ${code})`));
    });
  });
}

const runPrisma = (args: string[], databaseUrl: string) =>
  runChild([path.join(ROOT, "scripts", "prisma.mjs"), ...args], { ...process.env, DATABASE_URL: databaseUrl }, true);

/** The newest modification time under the app's source folders, to tell whether .next is stale. */
function newestSource(): number {
  let newest = 0;
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === "generated" || entry.name.startsWith(".")) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  for (const dir of ["app", "components", "lib"]) visit(path.join(ROOT, dir));
  for (const file of ["next.config.ts", "package.json", "postcss.config.mjs"]) {
    newest = Math.max(newest, statSync(path.join(ROOT, file)).mtimeMs);
  }
  return newest;
}

async function buildIfNeeded() {
  const buildId = path.join(ROOT, ".next", "BUILD_ID");
  if (existsSync(buildId) && statSync(buildId).mtimeMs >= newestSource()) return;
  log("building the web app (first start or changed sources)…");
  await runChild([NEXT_BIN, "build"], { ...process.env, NEXT_TELEMETRY_DISABLED: "1" });
}

async function main() {
  const secrets = loadOrCreateSecrets(dataDir, process.env);
  let databaseUrl = process.env.DATABASE_URL;
  let embedded: EmbeddedDatabase | undefined;
  if (!databaseUrl) {
    log(`starting the embedded PostgreSQL in ${path.relative(ROOT, dataDir) || "."}/postgres…`);
    embedded = await startEmbeddedPostgres({ dir: path.join(dataDir, "postgres") });
    cleanups.push(() => embedded?.stop());
    await embedded.createDatabase("trunk_portal");
    await embedded.createDatabase("kamailio");
    databaseUrl = embedded.url("trunk_portal");
  }
  const environment = {
    ...process.env,
    ...secrets,
    DATABASE_URL: databaseUrl,
    REGISTRAR_DATABASE_URL: process.env.REGISTRAR_DATABASE_URL ?? embedded?.url("kamailio"),
  };
  const env = parseEnv(environment);
  Object.assign(process.env, environment);

  await runPrisma(["migrate", "deploy"], env.DATABASE_URL);
  await migrateJobQueue(env.DATABASE_URL);
  if (embedded && env.REGISTRAR_DATABASE_URL) await ensureRegistrarSchema(env.REGISTRAR_DATABASE_URL);

  const db = createDb(env.DATABASE_URL);
  cleanups.push(() => db.$disconnect());
  const admin = await bootstrap(db, {
    adminEmail: process.env.ADMIN_EMAIL,
    adminPassword: process.env.ADMIN_PASSWORD,
    defaultSipServer: process.env.DEFAULT_SIP_SERVER ?? "sip1.example.net",
    defaultSipServerProbeAddress: process.env.DEFAULT_SIP_SERVER_PROBE_ADDRESS,
  });
  if (admin?.generatedPassword) {
    log(`created the first admin: ${admin.adminEmail} with password ${admin.generatedPassword}`);
    log("this password is shown only once; change it after signing in.");
  } else if (admin) {
    log(`created the first admin: ${admin.adminEmail} (password from ADMIN_PASSWORD)`);
  }

  const worker = await startWorker({
    connectionString: env.DATABASE_URL,
    taskList: jobTasks(workerDependencies(env)),
    crontab: CRONTAB,
  });
  cleanups.push(() => worker.stop());

  if (!dev) await buildIfNeeded();
  const next: ChildProcess = spawn(process.execPath, [NEXT_BIN, dev ? "dev" : "start", "-p", String(port)], {
    cwd: ROOT,
    env: { ...environment, NEXT_TELEMETRY_DISABLED: "1", AUTH_TRUST_HOST: "true" },
    stdio: "inherit",
  });
  children.add(next);
  next.on("exit", (code) => {
    children.delete(next);
    void stop(code ?? 0);
  });
  log(`portal on http://localhost:${port}`);
}

main().catch(async (error) => {
  console.error(error instanceof Error ? error.message : error);
  await stop(1);
});
