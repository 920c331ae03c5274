/**
 * Reconciliation of a million trunks, in the worker, with planted drift:
 *
 *   npx tsx bench/reconciliation.ts      (BENCH_TRUNKS=1000000 by default; not part of `npm test`)
 *
 * The portal database is the pages benchmark's (bench/support/seed.ts, seeded once and reused from BENCH_DIR); its
 * registrar database is filled once with every trunk's subscriber and attribute rows, the rows the Kamailio SQL adapter
 * writes (bench/support/registrar-fill.ts), and reused. Each run plants drift of every kind (subscribers deleted, wrong HA1, changed
 * attributes, strangers, trunks disabled in the portal but still in the registrar, stale stored digests), starts the
 * real worker (`scripts/worker.ts`, what `npm run worker` runs) as its own process, queues a run the way the staff
 * page does, and follows its progress (ReconciliationRun.checked) to the end, sampling the worker's resident memory.
 * Then it checks that every planted problem was found and repaired. The baseline in the same run is the floor of
 * the reads alone: the portal's trunks and the registrar's subscribers, streamed in the same batches by raw SQL.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { ROOT } from "../lib/paths";
import {
  BENCH_DIR,
  benchSecrets,
  clusterPid,
  portalDatabase,
  registrarDatabase,
  startBenchCluster,
} from "./support/cluster";
import { plantDrift, remainingDrift, undoPortalDrift } from "./support/drift";
import { treeCpuMs } from "./support/processes";
import { seedPortal } from "./support/seed";
import { log } from "./support/stats";

const secrets = benchSecrets();
const { createDb } = await import("../lib/db");
const { fillRegistrar } = await import("./support/registrar-fill");
const { queueReconciliation } = await import("../lib/registrar/reconciliation-runs");

const TRUNKS = Number(process.env.BENCH_TRUNKS ?? 1_000_000);
const DRIFT = Number(process.env.BENCH_DRIFT ?? 100);
const { RECONCILE_BATCH_SIZE } = await import("../lib/registrar/reconcile");
const { TRUNKS_BY_USERNAME } = await import("../lib/registrar/trunk-cursor");
const BATCH = RECONCILE_BATCH_SIZE;

const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const cluster = await startBenchCluster();
const portalUrl = await portalDatabase(cluster, `bench_pages_${TRUNKS}`);
const registrarUrl = await registrarDatabase(cluster, `bench_reconcile_registrar_${TRUNKS}`);
const portal = new pg.Pool({ connectionString: portalUrl, max: 4 });
const registrarSql = new pg.Pool({ connectionString: registrarUrl, max: 4 });
const db = createDb(portalUrl, 4);

const count = async (pool: pg.Pool, text: string) => Number((await pool.query(text)).rows[0]?.n ?? 0);
if ((await count(portal, `SELECT count(*) AS n FROM "Trunk"`)) === 0) {
  await seedPortal(portalUrl, {
    customers: Math.max(10, Math.round(TRUNKS / 10)),
    trunks: TRUNKS,
    bigCustomers: Math.max(1, Math.round(TRUNKS / 10_000)),
    bigCustomerTrunks: Math.round(TRUNKS / 5),
  });
}

// Undo an earlier run's planted drift in the portal (disabled trunks), then fill the registrar where it is short.
// Demos end in the future: the worker's demo expiry job would otherwise disable trunks during the measured run.
await undoPortalDrift(portal);
await portal.query(`UPDATE "Customer" SET "demoExpiresAt" = now() + interval '30 days' WHERE "isDemo"`);
// Only trunks that may authenticate are in the registrar (disabled ones are not); a run that stopped early may have
// left planted drift behind, which the next run repairs: refill only a registrar that is clearly short.
const expected = await count(
  portal,
  `SELECT count(*) AS n FROM "Trunk" t JOIN "Customer" c ON c.id = t."customerId"
   WHERE t.status = 'ACTIVE' AND c.status = 'ACTIVE'`,
);
if ((await count(registrarSql, "SELECT count(DISTINCT username) AS n FROM subscriber")) < expected * 0.99) {
  const started = Date.now();
  await registrarSql.query("TRUNCATE subscriber, usr_preferences");
  let batches = 0;
  await fillRegistrar(portal, registrarSql, {
    onBatch: (last) => {
      if (++batches % 10 === 0) log(`registrar fill: up to ${last} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    },
  });
  log(`registrar filled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await registrarSql.query("VACUUM ANALYZE");
}

const drift = await plantDrift(portal, registrarSql, DRIFT);
log(`planted ${DRIFT} of each: deleted, wrong HA1, wrong attribute, stranger, should be absent, stale portal HA1`);
const names = (rows: { username: string }[]) => rows.map((row) => row.username);

// Floor: the reads alone, by raw SQL, in the same batches: the portal's trunks from one username-ordered cursor (the
// query of lib/registrar/trunk-cursor.ts, rows left as pg parses them), and for each batch the registrar's subscribers
// and their preferences.
// BENCH_FLOOR=0 skips it (to repeat runs of the worker quickly; its figures are then those of an earlier run).
let floorSeconds = Number.NaN;
let floorPgCpuPer1000 = Number.NaN;
if (process.env.BENCH_FLOOR !== "0") {
  const floorStarted = Date.now();
  const floorPgCpu = treeCpuMs(clusterPid());
  const floorClient = await portal.connect();
  await floorClient.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  await floorClient.query("SET LOCAL cursor_tuple_fraction = 1");
  await floorClient.query(`DECLARE floor NO SCROLL CURSOR FOR ${TRUNKS_BY_USERNAME}`);
  for (;;) {
    const { rows } = await floorClient.query<{ username: string }>(`FETCH ${BATCH} FROM floor`);
    if (rows.length === 0) break;
    await registrarSql.query("SELECT username, domain, ha1, ha1b FROM subscriber WHERE username = ANY($1)", [
      names(rows),
    ]);
    await registrarSql.query(
      "SELECT uuid, domain, attribute, value FROM usr_preferences WHERE uuid = ANY($1) AND type = 0 ORDER BY id",
      [names(rows)],
    );
  }
  await floorClient.query("COMMIT");
  floorClient.release();
  floorSeconds = (Date.now() - floorStarted) / 1000;
  floorPgCpuPer1000 = ((treeCpuMs(clusterPid()) - floorPgCpu) / TRUNKS) * 1000;
  log(`floor (raw SQL reads in batches of ${BATCH}): ${floorSeconds.toFixed(1)} s`);
}

// The worker, as `npm run worker` runs it, and a run queued the way the staff page queues one.
const loadBefore = loadavg();
const dataDir = path.join(BENCH_DIR, "worker-data");
mkdirSync(dataDir, { recursive: true });
// BENCH_WORKER_PROFILE=<dir>: the worker writes a CPU profile there when it stops (node --cpu-prof).
const profile = process.env.BENCH_WORKER_PROFILE
  ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_WORKER_PROFILE}`]
  : [];
const worker = spawn(process.execPath, [...profile, "--import", "tsx", "scripts/worker.ts"], {
  cwd: ROOT,
  env: {
    ...process.env,
    ...secrets,
    DATA_DIR: dataDir,
    DATABASE_URL: portalUrl,
    REGISTRAR_DATABASE_URL: registrarUrl,
    LOG_LEVEL: "warn",
  },
  stdio: ["ignore", "inherit", "inherit"],
  detached: true,
});
process.on("exit", () => {
  try {
    process.kill(-(worker.pid ?? 0), "SIGTERM");
  } catch {}
});
const rssOf = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
/** The worker's processes (the one spawned here, and any it starts). */
function childrenOf(pid: number): number[] {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
    return children.map(Number).flatMap((child) => [child, ...childrenOf(child)]);
  } catch {
    return [];
  }
}
let peakRss = 0;
const sampler = setInterval(() => {
  try {
    peakRss = Math.max(peakRss, ...[worker.pid ?? 0, ...childrenOf(worker.pid ?? 0)].map(rssOf));
  } catch {}
}, 100);

// The clock starts once the worker is up (its first heartbeat), when the run is queued.
const spawnedAt = new Date();
while ((await db.workerHeartbeat.count({ where: { beatAt: { gte: spawnedAt } } })) === 0) {
  await new Promise((resolve) => setTimeout(resolve, 200));
}
const workerCpu = treeCpuMs(worker.pid ?? 0);
const pgCpu = treeCpuMs(clusterPid());
const run = await queueReconciliation(db, "manual", "bench");
const started = Date.now();
let lastLogged = 0;
let finished: { checked: number; repaired: number; findingsTotal: number; error: string | null; findings: unknown };
for (;;) {
  const row = await db.reconciliationRun.findUniqueOrThrow({ where: { id: run.id } });
  if (row.finishedAt) {
    finished = row;
    break;
  }
  if (Date.now() - lastLogged > 5_000) {
    lastLogged = Date.now();
    log(
      `progress: ${row.checked} of about ${row.expected ?? "?"} trunks (${((Date.now() - started) / 1000).toFixed(0)} s)`,
    );
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
}
const seconds = (Date.now() - started) / 1000;
// Digests the run verified by opening the sealed password and found right (TrunkDigestCheck rows it wrote): every trunk on a first
// run, only new or changed ones (and the planted stale digests, once rewritten) after.
const opened = await count(
  portal,
  `SELECT count(*) AS n FROM "TrunkDigestCheck" WHERE "checkedAt" >= '${new Date(started).toISOString()}'`,
);
// CPU per 1,000 trunks checked: the worker's processes, and the whole PostgreSQL cluster (portal and registrar).
const per1000 = (ms: number) => ((ms / finished.checked) * 1000).toFixed(1);
const workerCpuPer1000 = per1000(treeCpuMs(worker.pid ?? 0) - workerCpu);
const pgCpuPer1000 = per1000(treeCpuMs(clusterPid()) - pgCpu);
clearInterval(sampler);
process.kill(-(worker.pid ?? 0), "SIGTERM");
const loadAfter = loadavg();

// Every planted problem found and repaired: the registrar matches again.
const findings = finished.findings as { username: string; problem: string; action: string }[];
const byProblem = new Map<string, number>();
for (const finding of findings) byProblem.set(finding.problem, (byProblem.get(finding.problem) ?? 0) + 1);
const left = await remainingDrift(registrarSql, drift);
const leftTotal = Object.values(left).reduce((sum, n) => sum + n, 0);

console.info(`
Reconciliation of ${finished.checked.toLocaleString("en-US")} trunks in the worker: ${seconds.toFixed(1)} s (${Math.round(finished.checked / seconds).toLocaleString("en-US")} trunks/s), peak worker RSS ${peakRss.toFixed(0)} MB; load average ${loadBefore} before, ${loadAfter} after.
CPU per 1,000 trunks: worker ${workerCpuPer1000} ms, PostgreSQL ${pgCpuPer1000} ms. Digests verified and recorded (passwords opened and found right): ${opened.toLocaleString("en-US")}.
${
  Number.isNaN(floorSeconds)
    ? "Floor: not measured in this run (BENCH_FLOOR=0)."
    : `Floor (the same reads by raw SQL, same batches): ${floorSeconds.toFixed(1)} s, PostgreSQL ${floorPgCpuPer1000.toFixed(1)} ms CPU per 1,000 trunks; the run takes ${(seconds / floorSeconds).toFixed(1)}× it.`
}
Error: ${finished.error ?? "none"}. Findings: ${finished.findingsTotal} (kept: ${[...byProblem].map(([problem, n]) => `${problem} ${n}`).join(", ")}), trunks repaired: ${finished.repaired}.
Left after the run: ${JSON.stringify(left)}.
Targets: < 60 s ${seconds < 60 ? "met" : "NOT met"}; < 300 MB RSS ${peakRss < 300 ? "met" : "NOT met"}; drift repaired ${leftTotal === 0 ? "yes" : "NO"}.`);
await Promise.all([portal.end(), registrarSql.end(), db.$disconnect()]);
await cluster.stop();
process.exit(0);
