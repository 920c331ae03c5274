/**
 * `npm start`: everything the portal needs on one machine. Starts an embedded PostgreSQL under .data/ unless
 * DATABASE_URL is set, applies migrations, creates the first admin, runs a SIP registrar (Kamailio, when installed)
 * on the embedded registrar database, builds the app if needed, and runs the web server and the background worker.
 * Ctrl-C stops all of it in order: the web server, the worker, the registrar, then the embedded database.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { bootstrap, bootstrapOptions, firstAdminMessage } from "../lib/bootstrap";
import { createDb, type Db } from "../lib/db";
import { startEmbeddedPostgres, takeOverShutdownSignals } from "../lib/embedded-postgres";
import { type Env, parseEnv } from "../lib/env";
import { startPortalWorker } from "../lib/jobs/dependencies";
import { migratePortalDatabase } from "../lib/migrations";
import { ROOT } from "../lib/paths";
import { waitForExit } from "../lib/processes";
import { ensureKamailioRole, kamailioRoleUrl } from "../lib/registrar/kamailio-role";
import { KAMAILIO_CFG, kamailioInstallation } from "../lib/registrar/kamailio-server";
import { startLocalKamailio } from "../lib/registrar/local-kamailio";
import { ensureRegistrarSchema } from "../lib/registrar/schema";
import { loadOrCreateDatabaseSecrets, loadOrCreateSecrets } from "../lib/runtime-secrets";
import { defaultSipServer } from "../lib/servers";
import { buildIsStale } from "./build-freshness";
import { WEB_NODE_FLAGS } from "./web-node-flags";

const dev = process.argv.includes("--dev");
const dataDir = path.resolve(ROOT, process.env.DATA_DIR ?? ".data");
const port = Number(process.env.PORT ?? 3000);
const NEXT_BIN = path.join(ROOT, "node_modules", "next", "dist", "bin", "next");
/** Next.js behind a Node HTTP server that tells the app the client's TCP address (see the script). */
const SERVE = path.join(ROOT, "scripts", "serve.mjs");
const log = (message: string) => console.info(`[trunk-portal] ${message}`);
/** Paths inside the checkout relative to it (`.data/postgres`), others in full. */
const displayPath = (file: string) => (file.startsWith(`${ROOT}${path.sep}`) ? path.relative(ROOT, file) : file);

const children = new Set<ChildProcess>();
let webServerStarted = false;
/** What to stop on the way out, in the reverse order of starting; `name` is reported once it has stopped. */
const cleanups: { name?: string; run: () => Promise<void> | void }[] = [];
let stopping = false;
/** The migrations under way: a stop waits for them (lib/migrations.ts: one cut short keeps the portal from starting). */
let migrating: Promise<void> | undefined;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  // Synchronously first: the web server and any build are told to stop even if the process exits right after.
  const running = [...children];
  for (const child of running) child.kill("SIGTERM");
  if (migrating) {
    log("stopping once the database migration under way is applied…");
    await migrating.catch(() => {});
  }
  for (const child of running) {
    if (!(await waitForExit(child, 10_000))) child.kill("SIGKILL");
  }
  if (webServerStarted) log("stopped the web server");
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup.run();
      if (cleanup.name) log(`stopped ${cleanup.name}`);
    } catch (error) {
      console.error(`[trunk-portal] could not stop ${cleanup.name ?? "cleanly"}: ${(error as Error).message}`);
    }
  }
  process.exit(code);
}
takeOverShutdownSignals();
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void stop(0));

/** A child process the portal waits for: it is killed if the portal is stopped meanwhile (Ctrl-C during a build). */
function track(child: ChildProcess) {
  children.add(child);
  child.once("exit", () => children.delete(child));
}

/** Runs a child process to completion, its output in the terminal. */
function runChild(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: "inherit" });
    track(child);
    child.once("exit", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(args[0] ?? "")} ${args.slice(1).join(" ")} failed (exit ${code})`));
    });
  });
}

async function buildIfNeeded() {
  if (!buildIsStale(ROOT)) return;
  log("building the web app (first start or changed sources)…");
  await runChild([NEXT_BIN, "build"], { ...process.env, NEXT_TELEMETRY_DISABLED: "1" });
}

/** The embedded PostgreSQL: its port and passwords are kept in DATA_DIR, so they stay the same across restarts. */
async function startEmbeddedDatabase() {
  const passwords = loadOrCreateDatabaseSecrets(dataDir);
  const dir = path.join(dataDir, "postgres");
  log(`starting the embedded PostgreSQL in ${displayPath(dir)}…`);
  const embedded = await startEmbeddedPostgres({
    dir,
    portFile: path.join(dir, "port"),
    password: passwords.EMBEDDED_POSTGRES_PASSWORD,
    // Folders from before the password was generated: their superuser is moved to the generated password.
    formerPasswords: ["postgres"],
    ownProcessGroup: true,
  });
  cleanups.push({ name: "the embedded PostgreSQL", run: () => embedded.stop() });
  log(`embedded PostgreSQL on 127.0.0.1:${embedded.port} (kept for the next start)`);
  await embedded.createDatabase("trunk_portal");
  await embedded.createDatabase("kamailio");
  return { embedded, kamailioPassword: passwords.KAMAILIO_DB_PASSWORD };
}

/**
 * The reference Kamailio on the embedded registrar database, as its own least-privilege role, with the default SIP
 * server's realm. Without Kamailio installed, says how to install it and carries on.
 */
async function startSipRegistrar(db: Db, env: Env, databaseUrl: string) {
  const installation = kamailioInstallation();
  if (!installation.installed) {
    log(`SIP registrar: not started, Kamailio is not installed. To get one, run: ${installation.installCommand}`);
    return "not-installed" as const;
  }
  const kamailio = await startLocalKamailio({
    binary: installation.binary,
    cfgFile: path.join(ROOT, KAMAILIO_CFG),
    databaseUrl,
    listen: env.SIP_LISTEN,
    port: env.SIP_PORT,
    rpcPort: env.SIP_RPC_PORT,
    dir: path.join(dataDir, "kamailio"),
    realm: async () => (await defaultSipServer(db))?.realm ?? null,
    log,
  });
  cleanups.push({ name: "the SIP registrar", run: () => kamailio.stop() });
  return "kamailio" as const;
}

async function main() {
  const secrets = loadOrCreateSecrets(dataDir, process.env);
  const otherRegistrar = Boolean(process.env.REGISTRAR_DATABASE_URL || process.env.REGISTRAR_HTTP_URL);
  const local = process.env.DATABASE_URL ? undefined : await startEmbeddedDatabase();
  const environment = {
    ...process.env,
    ...secrets,
    DATABASE_URL: process.env.DATABASE_URL ?? local?.embedded.url("trunk_portal"),
    REGISTRAR_DATABASE_URL: process.env.REGISTRAR_DATABASE_URL ?? local?.embedded.url("kamailio"),
  };
  const env = parseEnv(environment);
  Object.assign(process.env, environment);

  migrating = migratePortalDatabase(env.DATABASE_URL).finally(() => {
    migrating = undefined;
  });
  await migrating;
  if (stopping) return;
  // The embedded registrar database, unless another registrar is configured. The portal provisions it as the
  // cluster's owner; Kamailio gets a role of its own that can do only what kamailio.cfg needs.
  const localRegistrarUrl = local && !otherRegistrar ? env.REGISTRAR_DATABASE_URL : undefined;
  if (local && localRegistrarUrl) {
    await ensureRegistrarSchema(localRegistrarUrl);
    await ensureKamailioRole(localRegistrarUrl, local.kamailioPassword);
  }

  const db = createDb(env.DATABASE_URL);
  cleanups.push({ run: () => db.$disconnect() });
  const admin = await bootstrap(
    db,
    // The registrar started below is where the default server's credentials can be proven.
    bootstrapOptions(
      process.env,
      localRegistrarUrl && kamailioInstallation().installed ? `${env.SIP_LISTEN}:${env.SIP_PORT}` : undefined,
    ),
  );
  for (const line of firstAdminMessage(admin)) log(line);

  const localSipRegistrar =
    local && localRegistrarUrl
      ? await startSipRegistrar(db, env, kamailioRoleUrl(localRegistrarUrl, local.kamailioPassword))
      : undefined;

  const worker = await startPortalWorker(env);
  cleanups.push({ name: "the worker", run: () => worker.stop() });

  if (!dev) await buildIfNeeded();
  // Production flags bound the heap (scripts/web-node-flags.ts); `next dev` compiles in process and gets Node's own.
  const args = dev ? [SERVE, "--dev"] : [...WEB_NODE_FLAGS, SERVE];
  const next: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      ...environment,
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: String(port),
      ...(localSipRegistrar ? { LOCAL_SIP_REGISTRAR: localSipRegistrar } : {}),
    },
    stdio: "inherit",
  });
  track(next);
  webServerStarted = true;
  next.on("exit", (code, signal) => {
    // A Ctrl-C reaches the web server too (same process group), and it may exit before this process handles its own
    // SIGINT: stopped by a signal is a normal stop, anything else stops the portal with its status.
    const interrupted = signal === "SIGINT" || signal === "SIGTERM" || code === 130 || code === 143;
    void stop(interrupted ? 0 : (code ?? 1));
  });
  log(`portal on http://localhost:${port}`);
}

main().catch(async (error) => {
  console.error(error instanceof Error ? error.message : error);
  await stop(1);
});
