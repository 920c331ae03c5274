/**
 * The portal's pages at a million trunks, through the real app, against the same pages on a small database:
 *
 *   npx tsx bench/pages.ts        (BENCH_TRUNKS=1000000 by default, customers = trunks / 10; not part of `npm test`)
 *
 * Two portal databases in one embedded PostgreSQL (bench/support/cluster.ts, kept in BENCH_DIR and reused): the large
 * one (seeded once by bench/support/seed.ts, about 10 minutes here) and a small one with 100 trunks. Two production
 * web servers (scripts/serve.mjs as `npm start` runs it, the build in .next, production's Node flags) run against
 * them with signed-in sessions (a staff admin and a customer user: session rows and Auth.js cookies, exactly what a
 * sign-in creates). For each page, 10 clients at once request it from both servers, interleaved; the time is from
 * request to the last byte of the streamed page, on 127.0.0.1.
 * The raw-SQL floor is the page's main query by itself through `pg` with 10 clients, in the same run. The large
 * server's resident memory (the web server's process tree) is sampled throughout. BENCH_UPLOADS=2 adds two clients
 * posting the biggest body the portal accepts to the large server meanwhile (bench/support/uploads.ts).
 */
import type { ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { encodeCursor } from "../lib/keyset";
import { WEB_NODE_FLAGS } from "../scripts/web-node-flags";
import { benchSecrets, clusterPid, portalDatabase, registrarDatabase, sql, startBenchCluster } from "./support/cluster";
import { processTree, treeCpuMs, treeMemory, treeRssMb } from "./support/processes";
import { seedPortal } from "./support/seed";
import { inParallel, log, ms, summary } from "./support/stats";
import { startUploads } from "./support/uploads";
import { startWebServer } from "./support/web-server";

const secrets = benchSecrets();
const { encode } = await import("next-auth/jwt");
const { createDb } = await import("../lib/db");
const { getCustomer, listCustomerTrunks, listCustomers } = await import("../lib/customers");
const { listAudit } = await import("../lib/audit/query");
const { getTrunk } = await import("../lib/trunks");
const { listCredentialChecks } = await import("../lib/trunks/credential-check");
const { openAuthFailureBurst } = await import("../lib/trunks/auth-failures");
const { getOwnAccount, listOwnTrunks } = await import("../lib/portal");
const { liveRegistrations } = await import("../lib/trunks/live-status");
const { createKamailioSqlRegistrar } = await import("../lib/registrar/kamailio-sql");
type Db = ReturnType<typeof createDb>;

const TRUNKS = Number(process.env.BENCH_TRUNKS ?? 1_000_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100);
const CLIENTS = 10;
const PORT = Number(process.env.E2E_PORT ?? 3430);
const CORES = os.availableParallelism();
/** BENCH_HEAP_SNAPSHOTS=1: the large server writes a V8 heap snapshot (into TMPDIR) after the pages' requests. */
const HEAP_SNAPSHOTS = process.env.BENCH_HEAP_SNAPSHOTS === "1";
/** BENCH_UPLOADS=N: N clients post the biggest body the portal accepts to the large server throughout (support/uploads). */
const UPLOADS = Number(process.env.BENCH_UPLOADS ?? 0);
/**
 * Node options of both web servers: by default the flags production starts the web server with (npm start, the Docker
 * web image); BENCH_WEB_NODE_OPTIONS replaces them to compare others (empty: Node's own defaults).
 */
const WEB_NODE_OPTIONS = process.env.BENCH_WEB_NODE_OPTIONS ?? WEB_NODE_FLAGS.join(" ");

const shapes = {
  small: { customers: 10, trunks: 100, bigCustomers: 1, bigCustomerTrunks: 20 },
  large: {
    customers: Math.max(10, Math.round(TRUNKS / 10)),
    trunks: TRUNKS,
    bigCustomers: Math.max(1, Math.round(TRUNKS / 10_000)),
    bigCustomerTrunks: Math.round(TRUNKS / 5),
  },
};

const cluster = await startBenchCluster();

async function seededDatabase(name: string, shape: (typeof shapes)["small"]) {
  const existing = await sql(cluster.url("postgres"), "SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  const url = await portalDatabase(cluster, name);
  const [row] = existing.length ? await sql<{ n: number }>(url, `SELECT count(*)::int AS n FROM "Trunk"`) : [{ n: 0 }];
  if (row?.n === shape.trunks) {
    log(`${name}: reusing ${shape.trunks} trunks`);
    await sql(url, "ANALYZE");
  } else {
    if (row?.n) throw new Error(`${name} holds ${row.n} trunks, not ${shape.trunks}: remove it or set BENCH_FRESH=1`);
    await seedPortal(url, shape);
  }
  return url;
}

const smallUrl = await seededDatabase("bench_pages_small", shapes.small);
const largeUrl = await seededDatabase(`bench_pages_${TRUNKS}`, shapes.large);
const registrarUrl = await registrarDatabase(cluster, "bench_pages_registrar");
const registrar = createKamailioSqlRegistrar(registrarUrl);
if (process.env.BENCH_SEED_ONLY === "1") {
  await cluster.stop();
  process.exit(0);
}

/** Signed-in cookies for the admin and for the first user of a customer: session rows plus Auth.js JWT cookies. */
async function cookieFor(url: string, userId: string) {
  const [session] = await sql<{ id: string }>(
    url,
    `INSERT INTO "UserSession" (id, "userId", ip, "userAgent") VALUES ($1, $2, '127.0.0.1', 'bench') RETURNING id`,
    [`bench${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`, userId],
  );
  const salt = "authjs.session-token";
  const token = await encode({
    salt,
    secret: secrets.AUTH_SECRET,
    token: { sub: userId, sid: session?.id, authTime: Date.now() },
  });
  return `${salt}=${token}`;
}

type Target = {
  name: string;
  path: string;
  as: "staff" | "customer";
  /** What the page reads, through the same lib functions it calls (without rendering). */
  data: (db: Db) => Promise<unknown>;
  floor: { text: string; values: unknown[] };
};

/** The same pages on either database: rows picked by position (the middle customer, a big one, a typical trunk). */
async function targetsOf(url: string): Promise<{
  targets: Target[];
  customerUser: string;
  bigCustomerUser: string;
  trunk: { id: string; username: string };
}> {
  const one = async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) => {
    const [row] = await sql<T>(url, text, values);
    if (!row) throw new Error(`no row for ${text}`);
    return row;
  };
  const customerCount = (await one<{ n: number }>(`SELECT count(*)::int AS n FROM "Customer"`)).n;
  const deep = await one<{ id: string; createdAt: Date }>(
    `SELECT id, "createdAt" FROM "Customer" ORDER BY "createdAt" DESC, id DESC OFFSET $1 LIMIT 1`,
    [Math.floor(customerCount * 0.9)],
  );
  // A typical customer (a few trunks, with DIDs), its trunk and DID; the biggest customer.
  const typical = await one<{ customerId: string; trunkId: string; username: string; number: string }>(
    `SELECT t."customerId", t.id AS "trunkId", t.username, d.number FROM "Trunk" t JOIN "Did" d ON d."trunkId" = t.id
     WHERE t.status = 'ACTIVE' AND (SELECT count(*) FROM "Trunk" x WHERE x."customerId" = t."customerId") BETWEEN 3 AND 12
       AND t.id >= (SELECT 'trk' || lpad((count(*) / 2)::text, 7, '0') FROM "Trunk")
     ORDER BY t.id LIMIT 1`,
  );
  const customer = await one<{ company: string; contactEmail: string }>(
    `SELECT company, "contactEmail" FROM "Customer" WHERE id = $1`,
    [typical.customerId],
  );
  const big = await one<{ customerId: string }>(
    `SELECT "customerId" FROM "Trunk" GROUP BY "customerId" ORDER BY count(*) DESC, "customerId" LIMIT 1`,
  );
  const userOf = async (customerId: string) =>
    (await one<{ id: string }>(`SELECT id FROM "User" WHERE "customerId" = $1 LIMIT 1`, [customerId])).id;
  const prefix = typical.username.replace(/\d+$/, "") + typical.username.match(/\d/)?.[0];
  const company = customer.company.split(" ").slice(0, 2).join(" ");
  const digits = typical.number.slice(2); // a 10-digit NANP number, as people type it
  const formatted = `(${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6)}`;
  const listFloor = `SELECT id, company, "contactName", "contactEmail", status, "isDemo", "demoExpiresAt", "createdAt"
    FROM "Customer" c WHERE true`;
  const order = `ORDER BY "createdAt" DESC, id DESC LIMIT 21`;
  const search = (kind: string, q: string, where: string, values: unknown[]): Target => ({
    name: `search: ${kind} (${JSON.stringify(q)})`,
    path: `/staff/customers?q=${encodeURIComponent(q)}`,
    as: "staff",
    data: (db) => listCustomers(db, { q }),
    floor: { text: `${listFloor} AND c.id IN (${where}) ${order}`, values },
  });
  const deepCursor = encodeCursor({ tier: 0, key: deep.createdAt.toISOString(), id: deep.id });
  const customerPage = (customerId: string) => async (db: Db) => {
    await getCustomer(db, customerId);
    return Promise.all([listCustomerTrunks(db, customerId), listAudit(db, { customerId, take: 50 })]);
  };
  const portalPage = (userId: string, customerId: string) => async (db: Db) => {
    const actor = { id: userId, email: "", name: "", role: "CUSTOMER" as const, customerId };
    const [{ trunks }] = await Promise.all([listOwnTrunks(db, actor), getOwnAccount(db, actor)]);
    const hostnames = (trunk: (typeof trunks)[number]) => trunk.servers.map((server) => server.server.hostname);
    return liveRegistrations(
      registrar,
      trunks.map((trunk) => ({ username: trunk.username, hostnames: hostnames(trunk) })),
    );
  };
  const customerUser = await userOf(typical.customerId);
  const bigCustomerUser = await userOf(big.customerId);
  const targets: Target[] = [
    {
      name: "customers list, first page",
      path: "/staff/customers",
      as: "staff",
      data: (db) => listCustomers(db, {}),
      floor: { text: `${listFloor} ${order}`, values: [] },
    },
    {
      name: "customers list, page at 90%",
      path: `/staff/customers?after=${deepCursor}`,
      as: "staff",
      data: (db) => listCustomers(db, { after: deepCursor }),
      floor: {
        text: `${listFloor} AND ("createdAt", id) < ($1::timestamp(3), $2) ${order}`,
        values: [deep.createdAt.toISOString(), deep.id],
      },
    },
    search("username prefix", prefix, `SELECT "customerId" FROM "Trunk" WHERE username LIKE $1`, [`${prefix}%`]),
    search("exact username", typical.username, `SELECT "customerId" FROM "Trunk" WHERE username = $1`, [
      typical.username,
    ]),
    search("company", company, `SELECT id FROM "Customer" WHERE company ILIKE $1`, [`%${company}%`]),
    search("email", customer.contactEmail, `SELECT id FROM "Customer" WHERE "contactEmail" ILIKE $1`, [
      customer.contactEmail,
    ]),
    search(
      "DID",
      formatted,
      `SELECT t."customerId" FROM "Did" d JOIN "Trunk" t ON t.id = d."trunkId" WHERE d.number = $1`,
      [typical.number],
    ),
    {
      name: "customer detail (typical)",
      path: `/staff/customers/${typical.customerId}`,
      as: "staff",
      data: customerPage(typical.customerId),
      floor: {
        text: `SELECT * FROM "Trunk" WHERE "customerId" = $1 ORDER BY "createdAt", id LIMIT 51`,
        values: [typical.customerId],
      },
    },
    {
      name: "customer detail (biggest customer)",
      path: `/staff/customers/${big.customerId}`,
      as: "staff",
      data: customerPage(big.customerId),
      floor: {
        text: `SELECT * FROM "Trunk" WHERE "customerId" = $1 ORDER BY "createdAt", id LIMIT 51`,
        values: [big.customerId],
      },
    },
    {
      name: "trunk page",
      path: `/staff/trunks/${typical.trunkId}`,
      as: "staff",
      data: async (db) => {
        const trunk = await getTrunk(db, typical.trunkId);
        return Promise.all([listCredentialChecks(db, trunk.id), openAuthFailureBurst(db, trunk.id)]);
      },
      floor: { text: `SELECT * FROM "Trunk" WHERE id = $1`, values: [typical.trunkId] },
    },
    {
      name: "customer portal: my trunks (typical)",
      path: "/portal",
      as: "customer",
      data: portalPage(customerUser, typical.customerId),
      floor: {
        text: `SELECT * FROM "Trunk" WHERE "customerId" = $1 ORDER BY "createdAt", id LIMIT 21`,
        values: [typical.customerId],
      },
    },
    {
      name: "customer portal: my trunks (biggest customer)",
      path: "/portal",
      as: "customer",
      data: portalPage(bigCustomerUser, big.customerId),
      floor: {
        text: `SELECT * FROM "Trunk" WHERE "customerId" = $1 ORDER BY "createdAt", id LIMIT 21`,
        values: [big.customerId],
      },
    },
  ];
  return { targets, customerUser, bigCustomerUser, trunk: { id: typical.trunkId, username: typical.username } };
}

type Server = {
  name: "small" | "large";
  url: string;
  port: number;
  process: ChildProcess;
  cookies: { staff: string; customer: string; bigCustomer: string };
  targets: Target[];
  trunk: { id: string; username: string };
};

async function startServer(name: Server["name"], url: string, port: number): Promise<Server> {
  const { targets, customerUser, bigCustomerUser, trunk } = await targetsOf(url);
  const cookies = {
    staff: await cookieFor(url, "benchadmin"),
    customer: await cookieFor(url, customerUser),
    bigCustomer: await cookieFor(url, bigCustomerUser),
  };
  const child = await startWebServer({
    url,
    registrarUrl,
    port,
    env: {
      NODE_OPTIONS: [
        WEB_NODE_OPTIONS,
        HEAP_SNAPSHOTS ? `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${os.tmpdir()}` : "",
      ].join(" "),
    },
  });
  return { name, url, port, process: child, cookies, targets, trunk };
}

async function timeRequests(server: Server, target: Target, count: number) {
  const cookie =
    target.as === "staff"
      ? server.cookies.staff
      : target.name.includes("biggest")
        ? server.cookies.bigCustomer
        : server.cookies.customer;
  const times: number[] = [];
  let bytes = 0;
  await inParallel(count, CLIENTS, async () => {
    const started = performance.now();
    const response = await fetch(`http://127.0.0.1:${server.port}${target.path}`, {
      headers: { cookie },
      redirect: "manual",
    });
    const body = await response.text();
    times.push(performance.now() - started);
    if (response.status !== 200) throw new Error(`${target.path} on ${server.name}: HTTP ${response.status}`);
    bytes = body.length;
  });
  return { times, bytes };
}

/** CPU time (ms) that `work` made the web server's process tree, this process and PostgreSQL use. */
async function measuringCpu<T>(webPid: number | null, work: () => Promise<T>) {
  const before = { web: webPid ? treeCpuMs(webPid) : 0, self: process.cpuUsage(), postgres: treeCpuMs(clusterPid()) };
  const result = await work();
  const self = process.cpuUsage(before.self);
  return {
    result,
    webMs: webPid ? treeCpuMs(webPid) - before.web : 0,
    selfMs: (self.user + self.system) / 1000,
    postgresMs: treeCpuMs(clusterPid()) - before.postgres,
  };
}

async function timeData(db: Db, target: Target, count: number) {
  const times: number[] = [];
  await inParallel(count, CLIENTS, async () => {
    const started = performance.now();
    await target.data(db);
    times.push(performance.now() - started);
  });
  return times;
}

async function timeFloor(url: string, floor: Target["floor"], count: number) {
  const pool = new pg.Pool({ connectionString: url, max: CLIENTS });
  const times: number[] = [];
  await inParallel(count, CLIENTS, async () => {
    const started = performance.now();
    await pool.query(floor.text, floor.values);
    times.push(performance.now() - started);
  });
  await pool.end();
  return times;
}

/** Asks every Node process of the tree for a heap snapshot (--heapsnapshot-signal) and waits until they are written. */
async function heapSnapshotsOf(pid: number): Promise<string[]> {
  const written = () => readdirSync(os.tmpdir()).filter((name) => name.endsWith(".heapsnapshot"));
  const before = new Set(written());
  // By executable: Next renames its process ("next-server (v16…)"), which overwrites its command line.
  const nodes = processTree(pid).filter((id) => readlinkSync(`/proc/${id}/exe`) === realpathSync(process.execPath));
  for (const id of nodes) process.kill(id, "SIGUSR2");
  let sizes = "";
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const files = written().filter((name) => !before.has(name));
    const now = files.map((name) => statSync(path.join(os.tmpdir(), name)).size).join();
    // A snapshot's file appears empty while V8 walks the heap, then grows until written.
    const complete = files.length >= nodes.length && !now.split(",").includes("0") && now === sizes;
    if (complete) return files.map((name) => path.join(os.tmpdir(), name));
    sizes = now;
  }
}

const uptime = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const loadBefore = uptime();
log(`load average before: ${loadBefore}`);
const small = await startServer("small", smallUrl, PORT);
const large = await startServer("large", largeUrl, PORT + 1);
const startRss = { small: treeRssMb(small.process.pid ?? 0), large: treeRssMb(large.process.pid ?? 0) };
let peakRss = { small: 0, large: 0 };
let peakMemory: ReturnType<typeof treeMemory> = [];
const sampler = setInterval(() => {
  const largeRss = treeRssMb(large.process.pid ?? 0);
  if (largeRss > peakRss.large) peakMemory = treeMemory(large.process.pid ?? 0);
  peakRss = {
    small: Math.max(peakRss.small, treeRssMb(small.process.pid ?? 0)),
    large: Math.max(peakRss.large, largeRss),
  };
}, 100);

const modes = (process.env.BENCH_MODES ?? "http,data").split(",");
const dbs = { small: createDb(smallUrl, CLIENTS), large: createDb(largeUrl, CLIENTS) };
const tables: Record<string, string[]> = { http: [], data: [] };
/** CPU per request, in ms, as a table cell; and the p95 that much CPU allows at best with CLIENTS requests at once. */
const perRequest = (total: number, requests: number) => (total / requests).toFixed(1);
const cpuBound = (cpuMsPerRequest: number) => (CLIENTS * cpuMsPerRequest) / CORES;
const verdict = (large: number, small: number) => (large < 50 && large / small <= 1.5 ? "met" : "**not met**");
let uploadReport = "";
const uploads = UPLOADS
  ? await startUploads(
      `http://127.0.0.1:${large.port}/staff/trunks/${large.trunk.id}/packet-check`,
      large.cookies.staff,
      large.trunk.username,
      UPLOADS,
    )
  : null;
try {
  for (const [index, target] of large.targets.entries()) {
    const smallTarget = small.targets[index] as Target;
    const floor = summary(await timeFloor(large.url, target.floor, REQUESTS));
    const floorCells = `${ms(floor.p50)} / ${ms(floor.p95)}`;
    if (modes.includes("http")) {
      // Warm up (the route's code, PostgreSQL's cache), then interleave rounds of 10 requests on either server.
      await timeRequests(small, smallTarget, CLIENTS);
      await timeRequests(large, target, CLIENTS);
      const smallTimes: number[] = [];
      const largeTimes: number[] = [];
      let largeBytes = 0;
      let smallBytes = 0;
      const cpu = { small: { web: 0, postgres: 0 }, large: { web: 0, postgres: 0 } };
      for (let done = 0; done < REQUESTS; done += CLIENTS) {
        const smallRound = await measuringCpu(small.process.pid ?? 0, () => timeRequests(small, smallTarget, CLIENTS));
        smallTimes.push(...smallRound.result.times);
        smallBytes = smallRound.result.bytes;
        cpu.small.web += smallRound.webMs;
        cpu.small.postgres += smallRound.postgresMs;
        const largeRound = await measuringCpu(large.process.pid ?? 0, () => timeRequests(large, target, CLIENTS));
        largeTimes.push(...largeRound.result.times);
        largeBytes = largeRound.result.bytes;
        cpu.large.web += largeRound.webMs;
        cpu.large.postgres += largeRound.postgresMs;
      }
      const s = summary(smallTimes);
      const l = summary(largeTimes);
      const n = largeTimes.length;
      const bound = cpuBound((cpu.large.web + cpu.large.postgres) / n);
      const row = `| ${target.name} | ${ms(s.p50)} / ${ms(s.p95)} | ${ms(l.p50)} / ${ms(l.p95)} | ${(l.p95 / s.p95).toFixed(2)}× | ${perRequest(cpu.small.web, n)} + ${perRequest(cpu.small.postgres, n)} | ${perRequest(cpu.large.web, n)} + ${perRequest(cpu.large.postgres, n)} | ${ms(bound)} | ${floorCells} | ${(smallBytes / 1024).toFixed(0)} / ${(largeBytes / 1024).toFixed(0)} KiB | ${verdict(l.p95, s.p95)} |`;
      tables.http?.push(row);
      log(`http ${row}`);
    }
    if (modes.includes("data")) {
      await timeData(dbs.small, smallTarget, CLIENTS);
      await timeData(dbs.large, target, CLIENTS);
      const smallTimes: number[] = [];
      const largeTimes: number[] = [];
      const cpu = { self: 0, postgres: 0 };
      for (let done = 0; done < REQUESTS; done += CLIENTS) {
        smallTimes.push(...(await timeData(dbs.small, smallTarget, CLIENTS)));
        const largeRound = await measuringCpu(null, () => timeData(dbs.large, target, CLIENTS));
        largeTimes.push(...largeRound.result);
        cpu.self += largeRound.selfMs;
        cpu.postgres += largeRound.postgresMs;
      }
      const s = summary(smallTimes);
      const l = summary(largeTimes);
      const n = largeTimes.length;
      const row = `| ${target.name} | ${ms(s.p50)} / ${ms(s.p95)} | ${ms(l.p50)} / ${ms(l.p95)} | ${(l.p95 / s.p95).toFixed(2)}× | ${perRequest(cpu.self, n)} + ${perRequest(cpu.postgres, n)} | ${floorCells} | ${(l.p95 / floor.p95).toFixed(1)}× | ${verdict(l.p95, s.p95)} |`;
      tables.data?.push(row);
      log(`data ${row}`);
    }
  }
} catch (error) {
  console.error(error);
  await cluster.stop();
  process.exit(1);
} finally {
  const uploaded = await uploads?.stop();
  clearInterval(sampler);
  if (uploaded) {
    const times = summary(uploaded.ms);
    uploadReport = `Beside the pages, ${UPLOADS} clients posted the biggest packet check (an 8 MB capture and 2 MB of pasted trace, one 10 MB body each) to the large server: ${uploaded.ms.length} checked (p50 ${ms(times.p50)}, max ${ms(times.max)}), ${uploaded.failures.length} failed${uploaded.failures.length ? ` (first: ${uploaded.failures[0]})` : ""}; the server ${large.process.exitCode === null && large.process.signalCode === null ? "kept running" : `exited (${large.process.exitCode ?? large.process.signalCode})`}.`;
  }
}
const snapshots = HEAP_SNAPSHOTS ? await heapSnapshotsOf(large.process.pid ?? 0) : [];
const loadAfter = uptime();
console.info(
  `\n${TRUNKS.toLocaleString("en-US")} trunks / ${shapes.large.customers.toLocaleString("en-US")} customers vs 100 trunks; ${REQUESTS} requests per page and database, ${CLIENTS} clients; load average ${loadBefore} before, ${loadAfter} after`,
);
if (tables.http?.length) {
  console.info("\nThrough the app (scripts/serve.mjs, signed in, to the last byte):\n");
  console.info(
    "| page | 100 trunks p50 / p95 | large p50 / p95 | growth (p95) | CPU ms/request, 100 trunks: web + PostgreSQL | large: web + PostgreSQL | p95 that CPU allows | raw SQL floor p50 / p95 | page size, 100 trunks / large | target |",
  );
  console.info("| --- | --: | --: | --: | --: | --: | --: | --: | --: | --- |");
  for (const row of tables.http) console.info(row);
  console.info(
    `\n"p95 that CPU allows": ${CLIENTS} requests at once on ${CORES} cores need at least ${CLIENTS} × CPU per request / ${CORES}, on an otherwise idle machine.`,
  );
  console.info(
    `\nRSS of the web process trees (the web server and its children), MB: 100 trunks ${startRss.small.toFixed(0)} after start, ${peakRss.small.toFixed(0)} peak; large ${startRss.large.toFixed(0)} after start, ${peakRss.large.toFixed(0)} peak. At the large one's peak:`,
  );
  for (const member of peakMemory) {
    console.info(
      `  pid ${member.pid} ${member.command}: ${member.rss.toFixed(0)} MB = ${member.anon.toFixed(0)} anonymous (heaps) + ${member.file.toFixed(0)} file-backed (code)`,
    );
  }
  for (const file of snapshots) console.info(`  heap snapshot: ${file}`);
  if (uploadReport) console.info(`\n${uploadReport}`);
  console.info(`\nWeb servers' NODE_OPTIONS: ${WEB_NODE_OPTIONS || "none (Node's defaults)"}`);
}
if (tables.data?.length) {
  console.info("\nThe pages' data, through the lib functions they call (no rendering), in this process:\n");
  console.info(
    "| page | 100 trunks p50 / p95 | large p50 / p95 | growth (p95) | large CPU ms/request: this process + PostgreSQL | raw SQL floor p50 / p95 | × floor (p95) | target |",
  );
  console.info("| --- | --: | --: | --: | --: | --: | --: | --- |");
  for (const row of tables.data) console.info(row);
}
await Promise.all([dbs.small.$disconnect(), dbs.large.$disconnect(), registrar.close()]);
await cluster.stop();
process.exit(0);
