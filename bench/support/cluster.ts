/**
 * The benchmarks' PostgreSQL: one embedded cluster kept in BENCH_DIR (default: the temp folder's
 * trunk-portal-bench), so a database seeded with a million trunks is reused by the next run instead of seeded again.
 * `BENCH_FRESH=1` starts from an empty cluster. The credential key the seeded passwords are sealed with is kept
 * beside it, since a reused database is only readable with that key.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { type EmbeddedDatabase, startEmbeddedPostgres } from "../../lib/embedded-postgres";
import { migratePortalDatabase } from "../../lib/migrations";
import { ensureRegistrarSchema } from "../../lib/registrar/schema";

export const BENCH_DIR = process.env.BENCH_DIR ?? path.join(os.tmpdir(), "trunk-portal-bench");

/** Secrets of the benchmark's data: set into process.env before any portal module reads them. */
export function benchSecrets() {
  mkdirSync(BENCH_DIR, { recursive: true });
  const file = path.join(BENCH_DIR, "secrets.json");
  if (!existsSync(file)) {
    const secrets = {
      AUTH_SECRET: randomBytes(32).toString("base64"),
      CREDENTIAL_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    };
    writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  }
  const secrets = JSON.parse(readFileSync(file, "utf8")) as { AUTH_SECRET: string; CREDENTIAL_ENCRYPTION_KEY: string };
  Object.assign(process.env, secrets);
  // lib/env checks the whole configuration when a secret is first read; the benchmarks pass database URLs explicitly.
  process.env.DATABASE_URL ??= "postgresql://bench@127.0.0.1:1/unused";
  return secrets;
}

/**
 * The cluster in BENCH_DIR, started here; or, when another benchmark already runs it, that one (left running when
 * this benchmark ends), so two benchmarks can share a seeded database.
 */
export async function startBenchCluster(): Promise<EmbeddedDatabase> {
  const running = await runningCluster();
  if (running) return running;
  if (process.env.BENCH_FRESH === "1") rmSync(path.join(BENCH_DIR, "pg"), { recursive: true, force: true });
  mkdirSync(path.join(BENCH_DIR, "pg"), { recursive: true });
  return startEmbeddedPostgres({
    dir: path.join(BENCH_DIR, "pg"),
    password: "bench",
    persistent: true,
    quiet: true,
    ownProcessGroup: true,
  });
}

/** The cluster's postmaster process (its backends are its children). */
export function clusterPid(): number {
  return Number(readFileSync(path.join(BENCH_DIR, "pg", "pgdata", "postmaster.pid"), "utf8").split("\n")[0]);
}

async function runningCluster(): Promise<EmbeddedDatabase | null> {
  const pidFile = path.join(BENCH_DIR, "pg", "pgdata", "postmaster.pid");
  if (process.env.BENCH_FRESH === "1" || !existsSync(pidFile)) return null;
  const port = Number(readFileSync(pidFile, "utf8").split("\n")[3]);
  const url = (database: string) => `postgresql://postgres:bench@127.0.0.1:${port}/${database}`;
  try {
    await sql(url("postgres"), "SELECT 1");
  } catch {
    return null;
  }
  return {
    port,
    url,
    async createDatabase(name) {
      const exists = await sql(url("postgres"), "SELECT 1 FROM pg_database WHERE datname = $1", [name]);
      if (exists.length === 0) await sql(url("postgres"), `CREATE DATABASE "${name}"`);
    },
    async stop() {},
  };
}

/** A migrated portal database (created when missing; migrations applied either way). */
export async function portalDatabase(cluster: EmbeddedDatabase, name: string): Promise<string> {
  await cluster.createDatabase(name);
  const url = cluster.url(name);
  await migratePortalDatabase(url);
  return url;
}

/** A registrar database with Kamailio's schema. */
export async function registrarDatabase(cluster: EmbeddedDatabase, name: string): Promise<string> {
  await cluster.createDatabase(name);
  const url = cluster.url(name);
  await ensureRegistrarSchema(url);
  return url;
}

/** Runs one statement on a fresh connection. */
export async function sql<T extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string,
  text: string,
  values?: unknown[],
) {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}
