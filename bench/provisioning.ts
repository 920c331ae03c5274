/**
 * Provisioning throughput, in one run, against its baselines:
 *
 *   npx tsx bench/provisioning.ts        (BENCH_TRUNKS=1000, BENCH_KAMCTL=100 by default; not part of `npm test`)
 *
 * BENCH_HTTP=0 leaves out methods 3 and 4, which need a fresh `npx next build`.
 *
 * 1. `trunk.create` through the command layer, 10 clients at once, with the real worker (in this process, as
 *    `npm run worker` runs it) syncing to Kamailio's database: the clock stops when every trunk is SYNCED.
 * 1b. `trunk.create` arriving at a steady rate, one every BENCH_STEADY_MS (25 by default; 0 leaves it out) whether or
 *    not the earlier ones are done, as single creates come from the staff UI or an API client: each trunk gets its
 *    own sync run, credential check and mostly its own email job, so this is the fixed cost of a job run per trunk.
 * 2. `trunk.create-batch` (100 trunks per command), 10 clients, same worker, same stop condition.
 * 3. `POST /api/v1/trunks` over HTTP to the production web server (scripts/serve.mjs as `npm start` runs it), 10
 *    clients, each request with its API key and an Idempotency-Key, as a billing system would send them; same worker,
 *    same stop.
 * 4. `POST /api/v1/trunks:batchCreate` (100 trunks per request) over HTTP, the API's bulk path: same server and stop.
 * 5. raw SQL, 10 clients: per trunk one transaction inserting the portal rows (Trunk, TrunkServer) and, on the
 *    registrar database, the subscriber row: the floor of doing the same writes one trunk at a time.
 * 6. raw SQL in bulk: the same rows as multi-row INSERTs of 1,000.
 * 7. Kamailio's own `kamctl add` in a loop (one psql process per call), into the same registrar database.
 *
 * The CPU columns count each method until all its work is done, for the portal's methods also the jobs that follow
 * the sync (credentials email, credential check).
 */
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { benchSecrets, clusterPid, portalDatabase, registrarDatabase, startBenchCluster } from "./support/cluster";
import { treeCpuMs } from "./support/processes";
import { atSteadyRate, inParallel, log } from "./support/stats";
import { startWebServer } from "./support/web-server";

benchSecrets();
const { createApiKey } = await import("../lib/api/keys");
const { executeCommand } = await import("../lib/commands");
const { createDb } = await import("../lib/db");
const { newId } = await import("../lib/ids");
const { jobTasks } = await import("../lib/jobs/tasks");
const { startWorker } = await import("../lib/jobs/worker");
const { createMailTransport } = await import("../lib/mail/transport");
const { createKamailioSqlRegistrar } = await import("../lib/registrar/kamailio-sql");
const { createTrunk, createTrunks } = await import("../lib/trunks");

const TRUNKS = Number(process.env.BENCH_TRUNKS ?? 1000);
const KAMCTL = Number(process.env.BENCH_KAMCTL ?? 100);
const STEADY_MS = Number(process.env.BENCH_STEADY_MS ?? 25);
const HTTP = process.env.BENCH_HTTP !== "0";
const CLIENTS = 10;
const BATCH = 100;
const REALM = "sip.bench.test";
const PORT = Number(process.env.E2E_PORT ?? 3430);

const cluster = await startBenchCluster();
const run = Date.now().toString(36);
const portalUrl = await portalDatabase(cluster, `bench_provision_${run}`);
const registrarUrl = await registrarDatabase(cluster, `bench_provision_registrar_${run}`);
const db = createDb(portalUrl, CLIENTS + 2);
const registrar = createKamailioSqlRegistrar(registrarUrl);
const worker = await startWorker({
  connectionString: portalUrl,
  taskList: jobTasks({
    db,
    registrar,
    transport: createMailTransport(undefined),
    mailFrom: "Bench <bench@bench.test>",
    removeUnknownSubscribers: false,
    // No webhook endpoint exists in the benchmark's database: nothing is delivered.
    webhookPolicy: { httpHosts: [], allowPrivateAddresses: false },
  }),
});

const server = await db.sipServer.create({ data: { hostname: "Sip.Bench.test", realm: REALM, label: "bench" } });
const customer = await db.customer.create({
  data: { company: "Bench Voice", contactName: "Bench", contactEmail: "bench@bench.test" },
});
const admin = await db.user.create({
  data: { email: "admin@bench.test", name: "Bench", role: "ADMIN", passwordHash: "not-used-by-the-benchmark" },
});
const ctx = {
  db,
  actor: { id: admin.id, email: admin.email, name: admin.name, role: admin.role, customerId: null },
  meta: { ip: "127.0.0.1", userAgent: "bench" },
};
const settings = { callLimit: "5", dialPermission: "US_ONLY", callerIdPolicy: "FORCED", serverIds: server.id };

/**
 * The waits below ask every 20 ms on one plain connection of their own: through Prisma each question cost about 1.8 ms
 * of this process's CPU (its query compiler), counted in the method's Node column although no trunk needs it.
 */
const watcher = new pg.Client(portalUrl);
await watcher.connect();
const ask = async (query: string) => (await watcher.query<{ n: number }>(query)).rows[0]?.n ?? 0;

async function untilSynced(total: number) {
  for (;;) {
    if ((await ask(`SELECT count(*)::int AS n FROM "Trunk" WHERE "syncState" = 'SYNCED'`)) >= total) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Until the worker has run every job: each trunk's credentials email sent and its credentials checked too. A job
 * that can never run again (attempts used up: graphile-worker's remove_job does that to a job a worker holds) is
 * not waited for.
 */
async function untilJobsDone() {
  for (;;) {
    if ((await ask("SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE attempts < max_attempts")) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Each method's wall time and the CPU it cost, split between this process (commands, worker, pg clients) and the
 * PostgreSQL cluster (both databases): what to cut next, and whether the two cores were the limit. The rate stops
 * at `work`'s end (for the portal: every trunk SYNCED); the CPU is counted until `drain` ends as well (every other
 * job of those trunks done: email, credential check), so no trunk's work is left to be counted in the next method.
 */
const results: {
  method: string;
  n: number;
  seconds: number;
  drainedSeconds: number;
  nodeCpuMs: number;
  /** Of `nodeCpuMs`, what the web server used (the rest: this process, i.e. the clients and the worker). */
  webCpuMs: number;
  postgresCpuMs: number;
}[] = [];
async function measure(
  method: string,
  n: number,
  work: () => Promise<void>,
  drain?: () => Promise<void>,
  /** Other Node processes the method runs in (the web server), counted in the Node column. */
  nodeProcesses: number[] = [],
) {
  log(`${method}: ${n} trunks…`);
  const postgres = clusterPid();
  const otherNodeCpu = () => nodeProcesses.reduce((sum, pid) => sum + treeCpuMs(pid), 0);
  const [started, nodeCpu, otherCpu, postgresCpu] = [
    performance.now(),
    process.cpuUsage(),
    otherNodeCpu(),
    treeCpuMs(postgres),
  ];
  await work();
  const seconds = (performance.now() - started) / 1000;
  await drain?.();
  const drainedSeconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(nodeCpu);
  const webCpuMs = otherNodeCpu() - otherCpu;
  const nodeCpuMs = (used.user + used.system) / 1000 + webCpuMs;
  results.push({
    method,
    n,
    seconds,
    drainedSeconds,
    nodeCpuMs,
    webCpuMs,
    postgresCpuMs: treeCpuMs(postgres) - postgresCpu,
  });
  log(`${method}: ${(n / seconds).toFixed(1)} trunks/s; every job done after ${drainedSeconds.toFixed(2)} s`);
}

let synced = 0;
/** A method of the command layer: `create` makes `created` trunks; measured until they are SYNCED and every job ran. */
async function measureCommands(method: string, created: number, create: () => Promise<void>) {
  await measure(
    method,
    TRUNKS,
    async () => {
      await create();
      log(`commands returned; waiting for the worker`);
      synced += created;
      await untilSynced(synced);
    },
    untilJobsDone,
  );
}
async function createOne() {
  const result = await executeCommand(createTrunk, ctx, { customerId: customer.id, ...settings });
  if (!result.ok) throw new Error(result.formError);
}
await measureCommands("trunk.create, 10 clients, until SYNCED", TRUNKS, () => inParallel(TRUNKS, CLIENTS, createOne));
if (STEADY_MS > 0) {
  await measureCommands(`trunk.create, one every ${STEADY_MS} ms, until SYNCED`, TRUNKS, () =>
    atSteadyRate(TRUNKS, STEADY_MS, createOne),
  );
}

await measureCommands(
  `trunk.create-batch (${BATCH} each), 10 clients, until SYNCED`,
  Math.ceil(TRUNKS / BATCH) * BATCH,
  () =>
    inParallel(Math.ceil(TRUNKS / BATCH), CLIENTS, async () => {
      const result = await executeCommand(createTrunks, ctx, {
        customerId: customer.id,
        count: String(BATCH),
        ...settings,
      });
      if (!result.ok) throw new Error(result.formError);
    }),
);

if (HTTP) {
  // The API's clients: one key of the admin's, as a billing system would hold. The rate limit is raised for this server
  // only: 1,000 creates as fast as 10 clients can send them are far above the default 600 a minute.
  const apiKey = await executeCommand(createApiKey, ctx, { name: "bench" });
  if (!apiKey.ok) throw new Error(apiKey.formError);
  const apiSecret = apiKey.value.secret;
  const web = await startWebServer({ url: portalUrl, registrarUrl, port: PORT, env: { API_RATE_LIMIT: "100000" } });
  const trunkBody = {
    customerId: customer.id,
    serverIds: [server.id],
    callLimit: 5,
    dialPermission: "US_ONLY",
    callerIdPolicy: "FORCED",
  };
  /** One API request as a billing system sends it: its key, its own Idempotency-Key; anything but 201 stops the run. */
  async function apiCreate(path: string, body: object, index: number) {
    const response = await fetch(`http://127.0.0.1:${PORT}/api/v1${path}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${apiSecret}`,
        "content-type": "application/json",
        "idempotency-key": `bench-${run}-${path}-${index}`,
      },
      body: JSON.stringify(body),
    });
    if (response.status !== 201) throw new Error(`POST /api/v1${path}: ${response.status} ${await response.text()}`);
  }
  await measure(
    "POST /api/v1/trunks over HTTP, 10 clients, until SYNCED",
    TRUNKS,
    async () => {
      await inParallel(TRUNKS, CLIENTS, (index) => apiCreate("/trunks", trunkBody, index));
      log(`requests answered; waiting for the worker`);
      synced += TRUNKS;
      await untilSynced(synced);
    },
    untilJobsDone,
    [web.pid ?? 0],
  );
  await measure(
    `POST /api/v1/trunks:batchCreate (${BATCH} each) over HTTP, 10 clients, until SYNCED`,
    TRUNKS,
    async () => {
      await inParallel(Math.ceil(TRUNKS / BATCH), CLIENTS, (index) =>
        apiCreate("/trunks:batchCreate", { ...trunkBody, count: BATCH }, index),
      );
      log(`requests answered; waiting for the worker`);
      synced += Math.ceil(TRUNKS / BATCH) * BATCH;
      await untilSynced(synced);
    },
    untilJobsDone,
    [web.pid ?? 0],
  );
  process.kill(-(web.pid ?? 0), "SIGKILL");
}
await worker.stop();
await watcher.end();

const md5 = (text: string) => createHash("md5").update(text).digest("hex");
function rawRows(count: number, prefix: string) {
  return Array.from({ length: count }, (_, i) => {
    const username = `${prefix}${i.toString().padStart(7, "0")}`;
    const password = randomBytes(12).toString("base64url");
    return {
      id: newId(),
      username,
      ciphertext: randomBytes(48).toString("base64"),
      ha1: md5(`${username}:${REALM}:${password}`),
      ha1b: md5(`${username}@${REALM}:${REALM}:${password}`),
    };
  });
}
const TRUNK_COLUMNS = `id, "customerId", username, "passwordCiphertext", "passwordKeyId", "callLimit", "dialPermission",
  "callerIdPolicy", "forcedCallerId", "syncState", "syncVersion", "updatedAt"`;

const portalPool = new pg.Pool({ connectionString: portalUrl, max: CLIENTS });
const registrarPool = new pg.Pool({ connectionString: registrarUrl, max: CLIENTS });
const perRow = rawRows(TRUNKS, "rawone");
await measure("raw SQL, one trunk per transaction, 10 clients", TRUNKS, async () => {
  await inParallel(TRUNKS, CLIENTS, async (index) => {
    const row = perRow[index] as (typeof perRow)[number];
    const portal = await portalPool.connect();
    try {
      await portal.query("BEGIN");
      await portal.query(
        `INSERT INTO "Trunk" (${TRUNK_COLUMNS}) VALUES ($1, $2, $3, $4, 'k1', 5, 'US_ONLY', 'FORCED', '+12025550100', 'SYNCED', 1, now())`,
        [row.id, customer.id, row.username, row.ciphertext],
      );
      await portal.query(`INSERT INTO "TrunkServer" ("trunkId", "serverId", ha1, ha1b) VALUES ($1, $2, $3, $4)`, [
        row.id,
        server.id,
        row.ha1,
        row.ha1b,
      ]);
      await portal.query("COMMIT");
    } finally {
      portal.release();
    }
    await registrarPool.query(
      `INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES ($1, $2, '', $3, $4)`,
      [row.username, REALM, row.ha1, row.ha1b],
    );
  });
});

const bulk = rawRows(TRUNKS, "rawbulk");
await measure("raw SQL, multi-row INSERTs of 1,000", TRUNKS, async () => {
  for (let start = 0; start < bulk.length; start += 1000) {
    const rows = bulk.slice(start, start + 1000);
    await portalPool.query(
      `INSERT INTO "Trunk" (${TRUNK_COLUMNS})
       SELECT id, $2, username, ciphertext, 'k1', 5, 'US_ONLY', 'FORCED', '+12025550100', 'SYNCED', 1, now()
       FROM unnest($1::text[], $3::text[], $4::text[]) AS v(id, username, ciphertext)`,
      [rows.map((row) => row.id), customer.id, rows.map((row) => row.username), rows.map((row) => row.ciphertext)],
    );
    await portalPool.query(
      `INSERT INTO "TrunkServer" ("trunkId", "serverId", ha1, ha1b) SELECT id, $2, ha1, ha1b
       FROM unnest($1::text[], $3::text[], $4::text[]) AS v(id, ha1, ha1b)`,
      [rows.map((row) => row.id), server.id, rows.map((row) => row.ha1), rows.map((row) => row.ha1b)],
    );
    await registrarPool.query(
      `INSERT INTO subscriber (username, domain, password, ha1, ha1b) SELECT username, $2, '', ha1, ha1b
       FROM unnest($1::text[], $3::text[], $4::text[]) AS v(username, ha1, ha1b)`,
      [rows.map((row) => row.username), REALM, rows.map((row) => row.ha1), rows.map((row) => row.ha1b)],
    );
  }
});
await portalPool.end();
await registrarPool.end();

// kamctl reads its database settings from ~/.kamctlrc: a HOME of its own for this run.
const home = mkdtempSync(path.join(os.tmpdir(), "bench-kamctl-"));
const registrarAddress = new URL(registrarUrl);
writeFileSync(
  path.join(home, ".kamctlrc"),
  [
    `SIP_DOMAIN=${REALM}`,
    "DBENGINE=PGSQL",
    `DBHOST=${registrarAddress.hostname}`,
    `DBPORT=${registrarAddress.port}`,
    `DBNAME=${registrarAddress.pathname.slice(1)}`,
    `DBRWUSER=${decodeURIComponent(registrarAddress.username)}`,
    `DBRWPW="${decodeURIComponent(registrarAddress.password)}"`,
    `DBROUSER=${decodeURIComponent(registrarAddress.username)}`,
    `DBROPW="${decodeURIComponent(registrarAddress.password)}"`,
    "STORE_PLAINTEXT_PW=0",
    "",
  ].join("\n"),
);
await measure("kamctl add, one after another", KAMCTL, async () => {
  for (let i = 0; i < KAMCTL; i++) {
    const added = spawnSync("/usr/sbin/kamctl", ["add", `kamctl${i}@${REALM}`, randomBytes(12).toString("base64url")], {
      env: { ...process.env, HOME: home },
      encoding: "utf8",
    });
    if (added.status !== 0) throw new Error(`kamctl add failed: ${added.stdout}${added.stderr}`);
  }
});
rmSync(home, { recursive: true, force: true });

await registrar.close();
await db.$disconnect();
await cluster.stop();

const kamctl = results.find((result) => result.method.startsWith("kamctl"));
const rawOne = results.find((result) => result.method.startsWith("raw SQL, one"));
const rawBulk = results.find((result) => result.method.startsWith("raw SQL, multi"));
const rate = (result: { n: number; seconds: number } | undefined) => (result ? result.n / result.seconds : Number.NaN);
console.info(
  `\n| method | trunks | seconds | trunks/s | × kamctl | × raw SQL (per trunk) | × raw SQL (bulk) | every job done (s) | CPU ms/trunk: Node + PostgreSQL | of the Node: web server / clients and worker |`,
);
console.info(`| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`);
for (const result of results) {
  const r = rate(result);
  const cpu = (ms: number) => (ms / result.n).toFixed(2);
  console.info(
    `| ${result.method} | ${result.n} | ${result.seconds.toFixed(2)} | ${r.toFixed(1)} | ${(r / rate(kamctl)).toFixed(1)} | ${(r / rate(rawOne)).toFixed(2)} | ${(r / rate(rawBulk)).toFixed(3)} | ${result.drainedSeconds.toFixed(2)} | ${cpu(result.nodeCpuMs)} + ${cpu(result.postgresCpuMs)} | ${result.webCpuMs ? `${cpu(result.webCpuMs)} / ${cpu(result.nodeCpuMs - result.webCpuMs)}` : "–"} |`,
  );
}
process.exit(0);
