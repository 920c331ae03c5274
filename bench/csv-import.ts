/**
 * CSV import benchmark: a file of 10,000 customers with a trunk each, from upload to every trunk synced to the
 * registrar.
 *
 *   npx tsx bench/csv-import.ts            (BENCH_ROWS=10000 by default; not part of `npm test`)
 *
 * Everything is real and local: an embedded PostgreSQL 15 with the portal's database (migrated) and the registrar's
 * (Kamailio's tables), the import commands run in this process as the web server runs them, and the worker as its
 * own process (`scripts/worker.ts`, as `npm run worker`) with the Kamailio SQL adapter. Credentials are not emailed
 * (the import's switch), so the worker's time is the import's and the syncs'.
 *
 * Phases (the clock of each starts when the previous one ends):
 *   1. dry run     `import.upload`: parse and check every row (no writes but the checked rows)
 *   2. import      `import.start` → the import job's last row committed (status COMPLETED)
 *   3. sync        → the last trunk SYNCED (its subscriber row written in the registrar's database)
 * Baseline in the same run, on the same databases: the same 10,000 customers, users, trunks, digest rows and
 * registrar subscribers inserted with set-based raw SQL (one INSERT … SELECT per table): the floor of the writes
 * alone, without validation, encryption, audit, outbox or per-row transactions.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { onCleanUp, runBenchmark } from "./support/cleanups";
import { benchSecrets, clusterPid, portalDatabase, registrarDatabase, startBenchCluster } from "./support/cluster";
import { treeCpuMs } from "./support/processes";
import { log } from "./support/stats";

benchSecrets();
const { executeCommand } = await import("../lib/commands");
const { createDb } = await import("../lib/db");
const { getImportProgress, startImport, uploadImport } = await import("../lib/imports");
const { IMPORT_COLUMNS } = await import("../lib/imports/rows");
const { csvLine } = await import("../lib/csv");
const { ROOT } = await import("../lib/paths");
const { getProviderSettings } = await import("../lib/settings");

const ROWS = Number(process.env.BENCH_ROWS ?? 10_000);
const HOSTNAME = "Sip.Bench.test";
const REALM = "sip.bench.test";

const seconds = (from: number, to: number) => (to - from) / 1000;

function importFile(prefix: string) {
  let text = csvLine(IMPORT_COLUMNS);
  for (let n = 0; n < ROWS; n++) {
    text += csvLine([
      `${prefix}-c${n}`,
      `Bench Company ${n}`,
      "Bea Bench",
      `${prefix}-${n}@bench.example`,
      `${prefix}-t${n}`,
      HOSTNAME,
      "10",
      "US_CANADA",
      "",
      "FORCED",
      "+12025550100",
      "",
      "",
    ]);
  }
  return text;
}

/** The floor: the same rows written set-based, in one transaction per database. */
async function rawSqlBaseline(url: string, registrarUrl: string, serverId: string) {
  const portal = new pg.Client({ connectionString: url });
  const registrar = new pg.Client({ connectionString: registrarUrl });
  await portal.connect();
  await registrar.connect();
  try {
    const start = Date.now();
    await portal.query("BEGIN");
    await portal.query(
      `INSERT INTO "Customer" ("id", "company", "contactName", "contactEmail", "updatedAt", "externalId")
       SELECT 'raw-c' || n, 'Raw Company ' || n, 'Bea Bench', 'raw-' || n || '@bench.example', now(), 'raw-c' || n
       FROM generate_series(1, $1) n`,
      [ROWS],
    );
    await portal.query(
      `INSERT INTO "User" ("id", "email", "name", "role", "customerId", "updatedAt")
       SELECT 'raw-u' || n, 'raw-' || n || '@bench.example', 'Bea Bench', 'CUSTOMER', 'raw-c' || n, now()
       FROM generate_series(1, $1) n`,
      [ROWS],
    );
    await portal.query(
      `INSERT INTO "Trunk" ("id", "customerId", "username", "passwordCiphertext", "passwordKeyId", "callLimit",
                            "dialPermission", "allowedCountries", "callerIdPolicy", "forcedCallerId", "updatedAt",
                            "externalId", "syncState", "syncedAt")
       SELECT 'raw-t' || n, 'raw-c' || n, 'rawuser' || n, md5(n::text), 'k1', 10, 'US_CANADA', '{}', 'FORCED',
              '+12025550100', now(), 'raw-t' || n, 'SYNCED', now()
       FROM generate_series(1, $1) n`,
      [ROWS],
    );
    await portal.query(
      `INSERT INTO "TrunkServer" ("trunkId", "serverId", "ha1", "ha1b")
       SELECT 'raw-t' || n, $2, md5('raw' || n), md5('raw' || n || 'b') FROM generate_series(1, $1) n`,
      [ROWS, serverId],
    );
    await portal.query("COMMIT");
    await registrar.query(
      `INSERT INTO subscriber (username, domain, password, ha1, ha1b)
       SELECT 'rawuser' || n, $2, '', md5('raw' || n), md5('raw' || n || 'b') FROM generate_series(1, $1) n`,
      [ROWS, REALM],
    );
    return seconds(start, Date.now());
  } finally {
    await portal.end();
    await registrar.end();
  }
}

async function main() {
  const started = Date.now();
  const dir = mkdtempSync(path.join(os.tmpdir(), "csv-import-bench-"));
  onCleanUp(() => rmSync(dir, { recursive: true, force: true }));
  const postgres = await startBenchCluster();
  onCleanUp(() => postgres.stop());
  const run = Date.now().toString(36);
  const url = await portalDatabase(postgres, `bench_csv_${run}`);
  const registrarUrl = await registrarDatabase(postgres, `bench_csv_registrar_${run}`);
  process.env.DATABASE_URL = url;

  const db = createDb(url);
  onCleanUp(() => db.$disconnect());
  await getProviderSettings(db);
  const server = await db.sipServer.create({ data: { hostname: HOSTNAME, realm: REALM, label: "Bench" } });
  const salesUser = await db.user.create({
    data: { email: "sales@bench.example", name: "Sales", role: "SALES", passwordHash: "not used by the bench" },
  });
  const ctx = { db, actor: { ...salesUser, customerId: null }, meta: { ip: "127.0.0.1", userAgent: "bench" } };

  let worker: ChildProcess | null = null;
  // BENCH_WORKER_PROFILE=<dir>: the worker writes a CPU profile there when it stops (node --cpu-prof).
  const profile = process.env.BENCH_WORKER_PROFILE
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_WORKER_PROFILE}`]
    : [];
  worker = spawn(process.execPath, [...profile, "--import", "tsx", path.join(ROOT, "scripts", "worker.ts")], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url, REGISTRAR_DATABASE_URL: registrarUrl, DATA_DIR: dir },
    stdio: ["ignore", "ignore", "inherit"],
  });
  onCleanUp(async () => {
    const running = worker;
    if (!running || running.exitCode !== null) return;
    await new Promise((resolve) => {
      running.once("exit", resolve);
      running.kill("SIGTERM");
    });
  });
  for (let i = 0; (await db.workerHeartbeat.count()) === 0; i++) {
    if (i > 1200) throw new Error("the worker did not start");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  log(`worker ready; ${ROWS} rows`);

  const csv = importFile("bench");
  const workerPid = worker.pid as number;
  // CPU time so far (ms): this process (the web server's part), the worker, PostgreSQL.
  const cpu = () => {
    const own = process.cpuUsage();
    return { web: (own.user + own.system) / 1000, worker: treeCpuMs(workerPid), postgres: treeCpuMs(clusterPid()) };
  };
  const cpu0 = cpu();
  const t0 = Date.now();
  const uploaded = await executeCommand(uploadImport, ctx, { csv, filename: "bench.csv" });
  if (!uploaded.ok) throw new Error(JSON.stringify(uploaded));
  if (uploaded.value.status !== "READY") throw new Error(JSON.stringify(uploaded.value.errors).slice(0, 2000));
  const t1 = Date.now();
  const cpu1 = cpu();
  log(`dry run: ${seconds(t0, t1).toFixed(1)} s`);
  const started1 = await executeCommand(startImport, ctx, { importId: uploaded.value.id });
  if (!started1.ok) throw new Error(JSON.stringify(started1));

  let importedAt = 0;
  let lastLog = 0;
  for (;;) {
    const progress = await getImportProgress(db, uploaded.value.id);
    if (!importedAt && progress.import.status === "COMPLETED") importedAt = Date.now();
    const synced = await db.trunk.count({ where: { syncState: "SYNCED" } });
    if (Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      log(`${progress.done} rows done (${progress.rate.toFixed(0)}/s, ETA ${progress.etaSeconds} s), ${synced} synced`);
    }
    if (importedAt && synced >= ROWS) break;
    if (progress.counts.FAILED > 0) throw new Error(`${progress.counts.FAILED} rows failed`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const t2 = Date.now();
  const cpu2 = cpu();
  const subscribers = new pg.Client({ connectionString: registrarUrl });
  await subscribers.connect();
  const { rows } = await subscribers.query<{ n: string }>("SELECT count(*) AS n FROM subscriber");
  await subscribers.end();
  if (Number(rows[0]?.n) < ROWS) throw new Error(`only ${rows[0]?.n} subscribers in the registrar`);

  const raw = await rawSqlBaseline(url, registrarUrl, server.id);
  const total = seconds(t0, t2);
  const perRow = (from: ReturnType<typeof cpu>, to: ReturnType<typeof cpu>) =>
    `CPU per row: ${((to.web - from.web) / ROWS).toFixed(2)} ms this process, ${((to.worker - from.worker) / ROWS).toFixed(2)} ms worker, ${((to.postgres - from.postgres) / ROWS).toFixed(2)} ms PostgreSQL`;
  const report = [
    "| phase | time | CPU |",
    "| --- | --- | --- |",
    `| dry run (upload, parse, check ${ROWS} rows) | ${seconds(t0, t1).toFixed(1)} s | ${perRow(cpu0, cpu1)} |`,
    `| import (start → last row committed) | ${seconds(t1, importedAt).toFixed(1)} s (${(ROWS / seconds(t1, importedAt)).toFixed(0)} rows/s) | import and sync: ${perRow(cpu1, cpu2)} |`,
    `| sync (→ last trunk SYNCED, ${rows[0]?.n} subscribers) | ${seconds(importedAt, t2).toFixed(1)} s more | |`,
    `| **total: upload → every trunk in the registrar** | **${total.toFixed(1)} s** (target < 30 s) | |`,
    `| baseline: the same rows by set-based raw SQL | ${raw.toFixed(2)} s (the import takes ${(total / raw).toFixed(0)}× the floor) | |`,
    "",
    `Machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} at the end; run took ${seconds(started, Date.now()).toFixed(0)} s.`,
  ].join("\n");
  console.info(`\n${report}\n`);
}

await runBenchmark(main);
