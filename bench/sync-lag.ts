/**
 * Sync-lag benchmark: how long after a staff command returns can the customer's PBX register?
 *
 *   npx tsx bench/sync-lag.ts            (BENCH_TRUNKS=200 by default; not part of `npm test`)
 *
 * Everything is real and local: an embedded PostgreSQL 15 (portal + registrar databases), the portal's commands run
 * in this process (as the web server would run them), the worker as its own process (`scripts/worker.ts`, as
 * `npm run worker`), the reference Kamailio (registrar/kamailio/kamailio.cfg) and SIPp as the PBX.
 *
 * For every trunk, the clock starts when `createTrunk` returns and stops when SIPp receives the 200 to its
 * REGISTER: a SIPp process started right after the command keeps registering (REGISTER, 401, authenticated
 * REGISTER, 403 → wait POLL_MS → again) and stamps the 200 with gettimeofday. The lag therefore includes SIPp's own
 * start-up; that floor is measured separately (a trunk that is already provisioned) and reported. The worker's own
 * view (command return → trunk.syncedAt) is reported beside it.
 *
 * Phases:
 *   1. floor       SIPp start → 200 for an already provisioned trunk
 *   2. sequential  one trunk at a time: create, wait for its REGISTER 200, next
 *   3. burst       BENCH_TRUNKS creations, CONCURRENCY at a time; each one's poller starts when its command returns
 *   4. backlog     BENCH_TRUNKS trunks queued while the worker is stopped, then the worker started: drain rate
 *   5. big burst   BENCH_BURST (1,000) creations, CONCURRENCY at a time: command return (its commit) → the
 *                  subscriber row written in the registrar's database (a trigger there notes clock_timestamp())
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startKamailio } from "../tests/support/kamailio";
import { LOOPBACK } from "../tests/support/sipp";
import { onCleanUp, runBenchmark } from "./support/cleanups";
import { benchSecrets, portalDatabase, registrarDatabase, sql, startBenchCluster } from "./support/cluster";
import { inParallel, log, ms, summary } from "./support/stats";

benchSecrets();
const { hashPassword } = await import("../lib/auth/passwords");
const { executeCommand } = await import("../lib/commands");
const { createCustomer } = await import("../lib/customers");
const { createDb } = await import("../lib/db");
const { ROOT } = await import("../lib/paths");
const { getProviderSettings } = await import("../lib/settings");
const { createTrunk } = await import("../lib/trunks");
const { decryptTrunkPassword } = await import("../lib/trunks/password");

const TRUNKS = Number(process.env.BENCH_TRUNKS ?? 200);
/** Creations in the last phase's burst (issue 11: p99 < 150 ms from commit to registrar row). */
const BURST = Number(process.env.BENCH_BURST ?? 1000);
/** Pause between two REGISTER attempts of one poller. */
const POLL_MS = 5;
/** Commands in flight during the burst: the size of the portal's database pool (Prisma's pg pool, 10). */
const CONCURRENCY = 10;
const FLOOR_SAMPLES = 20;
const REALM = "sip.bench.test";
const HOSTNAME = "Sip.Bench.test";

// ------------------------------------------------------------------------------------------------ SIPp poller

const registerRequest = (username: string, auth: boolean) => `<![CDATA[
REGISTER sip:${HOSTNAME} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]-[cseq]
Max-Forwards: 70
From: <sip:${username}@${HOSTNAME}>;tag=[pid]SIPpTag00[call_number]
To: <sip:${username}@${HOSTNAME}>
Call-ID: [call_id]
CSeq: [cseq] REGISTER
Contact: <sip:${username}@[local_ip]:[local_port];transport=[transport]>
Expires: 300
User-Agent: sync-lag bench
${auth ? "[authentication]\n" : ""}Content-Length: 0

]]>`;

/** REGISTER until 200; logs "FAILED" for each 403 and "OK <sec> <usec>" with the arrival time of the 200. */
const pollerScenario = (username: string) => `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="register-until-200">
  <label id="again"/>
  <send retrans="200">${registerRequest(username, false)}</send>
  <recv response="401" auth="true"/>
  <send retrans="200">${registerRequest(username, true)}</send>
  <recv response="200" optional="true" next="ok"/>
  <recv response="403"/>
  <nop><action><log message="FAILED"/></action></nop>
  <pause milliseconds="${POLL_MS}"/>
  <nop next="again"/>
  <label id="ok"/>
  <nop><action><gettimeofday assign_to="sec,usec"/><log message="OK [$sec] [$usec]"/></action></nop>
</scenario>
`;

let workRoot = "";

/** Starts a SIPp that registers `username` until it gets a 200; resolves with the 200's arrival (epoch ms). */
function pollRegister(
  proxyPort: number,
  username: string,
  password: string,
): Promise<{ okAt: number; failed: number }> {
  const dir = mkdtempSync(path.join(workRoot, "poll-"));
  const scenario = path.join(dir, "scenario.xml");
  const logFile = path.join(dir, "log.log");
  writeFileSync(scenario, pollerScenario(username));
  // -r 1000: SIPp places its first call 1/rate after start; at the default 10 calls/s that alone added 100 ms.
  const args = [`${LOOPBACK}:${proxyPort}`, "-sf", scenario, "-i", LOOPBACK, "-m", "1", "-r", "1000", "-nostdin"];
  args.push("-au", username, "-ap", password, "-trace_logs", "-log_file", logFile, "-timeout", "60s");
  const child = spawn("sipp", args, { cwd: dir, stdio: "ignore" });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      const text = readFileSync(logFile, { encoding: "utf8", flag: "a+" });
      rmSync(dir, { recursive: true, force: true });
      const line = /OK ([0-9.]+) ([0-9.]+)/.exec(text);
      if (!line) return reject(new Error(`SIPp for ${username} exited with ${code} without a 200: ${text}`));
      const failed = text.split("\n").filter((l) => l.trim() === "FAILED").length;
      resolve({ okAt: Number(line[1]) * 1000 + Number(line[2]) / 1000, failed });
    });
  });
}

// ------------------------------------------------------------------------------------------------ report

const row = (label: string, values: number[]) => {
  const s = summary(values);
  return `| ${label} | ${s.n} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${ms(s.max)} |`;
};

// ------------------------------------------------------------------------------------------------ main

async function main() {
  const started = Date.now();
  workRoot = mkdtempSync(path.join(os.tmpdir(), "sync-lag-sipp-"));
  onCleanUp(() => rmSync(workRoot, { recursive: true, force: true }));

  const postgres = await startBenchCluster();
  onCleanUp(() => postgres.stop());
  const run = Date.now().toString(36);
  const url = await portalDatabase(postgres, `bench_sync_lag_${run}`);
  const registrarUrl = await registrarDatabase(postgres, `bench_sync_lag_registrar_${run}`);
  process.env.DATABASE_URL = url;
  // When each subscriber row is written, by the database's clock (the bench's own instrumentation).
  await sql(
    registrarUrl,
    `CREATE TABLE bench_written (username text PRIMARY KEY, at timestamptz NOT NULL);
     CREATE FUNCTION bench_note_written() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN INSERT INTO bench_written VALUES (NEW.username, clock_timestamp()) ON CONFLICT DO NOTHING; RETURN NEW; END $$;
     CREATE TRIGGER bench_written AFTER INSERT ON subscriber FOR EACH ROW EXECUTE FUNCTION bench_note_written();`,
  );

  const db = createDb(url);
  onCleanUp(() => db.$disconnect());
  await getProviderSettings(db);
  const server = await db.sipServer.create({ data: { hostname: HOSTNAME, realm: REALM, label: "Bench" } });
  const salesUser = await db.user.create({
    data: {
      email: "sales@bench.example",
      name: "Sales",
      role: "SALES",
      passwordHash: await hashPassword(randomBytes(16).toString("base64url")),
    },
  });
  const sales = { ...salesUser, customerId: null };
  const ctx = { db, actor: sales, meta: { ip: "127.0.0.1", userAgent: "bench" } };
  const customer = await executeCommand(createCustomer, ctx, {
    company: "Bench Telecom",
    contactName: "Bea Bench",
    contactEmail: "bea@bench.example",
  });
  if (!customer.ok) throw new Error(customer.formError);

  // Every poller is 127.0.0.1 and fails on purpose until its trunk is provisioned: no bans, no flood limit.
  const kamailio = await startKamailio({
    databaseUrl: registrarUrl,
    realm: REALM,
    defines: { BAN_FAILS: 1_000_000, PIKE_DENSITY: 1_000_000 },
  });
  onCleanUp(() => kamailio.stop());

  let worker: ChildProcess | null = null;
  const startWorkerProcess = async () => {
    worker = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "worker.ts")], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url, REGISTRAR_DATABASE_URL: registrarUrl },
      stdio: ["ignore", "ignore", "inherit"],
    });
    // Ready once it has written its first heartbeat (after graphile-worker started listening).
    for (let i = 0; (await db.workerHeartbeat.count()) === 0; i++) {
      if (i > 600) throw new Error("the worker did not start");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const stopWorkerProcess = async () => {
    const running = worker;
    if (!running || running.exitCode !== null) return;
    await new Promise((resolve) => {
      running.once("exit", resolve);
      running.kill("SIGTERM");
    });
    worker = null;
  };
  onCleanUp(stopWorkerProcess);
  await startWorkerProcess();

  const createOne = async () => {
    const result = await executeCommand(createTrunk, ctx, {
      customerId: customer.value.id,
      serverIds: [server.id],
      callLimit: "5",
      dialPermission: "US_ONLY",
      callerIdPolicy: "FORCED",
    });
    const returnedAt = Date.now();
    if (!result.ok) throw new Error(`createTrunk: ${result.formError}`);
    return { trunk: result.value, returnedAt, password: decryptTrunkPassword(result.value) };
  };

  const syncedAtOf = async (ids: string[]) =>
    new Map(
      (await db.trunk.findMany({ where: { id: { in: ids } }, select: { id: true, syncedAt: true } })).map((t) => [
        t.id,
        t.syncedAt?.getTime() ?? Number.NaN,
      ]),
    );

  // 1. Floor: SIPp start → 200 for a trunk that is already provisioned.
  const warm = await createOne();
  await pollRegister(kamailio.sipPort, warm.trunk.username, warm.password);
  const floor: number[] = [];
  for (let i = 0; i < FLOOR_SAMPLES; i++) {
    const spawnedAt = Date.now();
    const { okAt } = await pollRegister(kamailio.sipPort, warm.trunk.username, warm.password);
    floor.push(okAt - spawnedAt);
  }
  log(`floor measured (p50 ${ms(summary(floor).p50)})`);

  // 2. Sequential.
  const sequential: { id: string; returnedAt: number; lag: number; failed: number }[] = [];
  const sequentialStart = Date.now();
  for (let i = 0; i < TRUNKS; i++) {
    const created = await createOne();
    const { okAt, failed } = await pollRegister(kamailio.sipPort, created.trunk.username, created.password);
    sequential.push({ id: created.trunk.id, returnedAt: created.returnedAt, lag: okAt - created.returnedAt, failed });
  }
  const sequentialSeconds = (Date.now() - sequentialStart) / 1000;
  const sequentialSynced = await syncedAtOf(sequential.map((s) => s.id));
  log(`sequential done in ${sequentialSeconds.toFixed(1)} s`);

  // 3. Burst.
  const burst: { id: string; returnedAt: number; lag: number; failed: number }[] = [];
  const pollers: Promise<void>[] = [];
  const burstStart = Date.now();
  await inParallel(TRUNKS, CONCURRENCY, async () => {
    const created = await createOne();
    pollers.push(
      pollRegister(kamailio.sipPort, created.trunk.username, created.password).then(({ okAt, failed }) => {
        burst.push({ id: created.trunk.id, returnedAt: created.returnedAt, lag: okAt - created.returnedAt, failed });
      }),
    );
  });
  const burstCreatedAt = Date.now();
  await Promise.all(pollers);
  // A PBX can register once the registrar row is written, a moment before the worker records SYNCED.
  const untilSynced = async (ids: string[]) => {
    while ((await db.trunk.count({ where: { id: { in: ids }, syncState: "SYNCED" } })) < ids.length) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  await untilSynced(burst.map((b) => b.id));
  const burstSynced = await syncedAtOf(burst.map((b) => b.id));
  const lastRegistered = Math.max(...burst.map((b) => b.returnedAt + b.lag));
  const lastSynced = Math.max(...burstSynced.values());
  log(`burst done in ${((lastRegistered - burstStart) / 1000).toFixed(1)} s`);

  // 4. Backlog: queued while the worker is down, drained when it starts.
  await stopWorkerProcess();
  const backlogIds: string[] = [];
  await inParallel(TRUNKS, CONCURRENCY, async () => {
    backlogIds.push((await createOne()).trunk.id);
  });
  const workerStartedAt = Date.now();
  await startWorkerProcess();
  const workerReadyAt = Date.now();
  await untilSynced(backlogIds);
  const backlogSynced = [...(await syncedAtOf(backlogIds)).values()].sort((a, b) => a - b);
  // From the worker's first heartbeat: a batch syncs many queued trunks in one transaction.
  const drainSeconds = ((backlogSynced.at(-1) ?? 0) - workerReadyAt) / 1000;

  // 5. A burst of BURST creations, CONCURRENCY at a time: each command's return (its commit) → its subscriber row.
  const burstReturns = new Map<string, number>();
  const bigBurstStart = Date.now();
  await inParallel(BURST, CONCURRENCY, async () => {
    const { trunk, returnedAt } = await createOne();
    burstReturns.set(trunk.username, returnedAt);
  });
  const bigBurstCreated = Date.now();
  const usernames = [...burstReturns.keys()];
  const writtenAt = async () =>
    sql<{ username: string; at: Date }>(
      registrarUrl,
      "SELECT username, at FROM bench_written WHERE username = ANY($1)",
      [usernames],
    );
  for (let i = 0; (await writtenAt()).length < BURST; i++) {
    if (i > 6000) throw new Error("the burst's subscribers were not all written within 5 minutes");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const written = await writtenAt();
  const bigBurstLags = written.map((w) => w.at.getTime() - (burstReturns.get(w.username) ?? Number.NaN));
  const bigBurstDone = Math.max(...written.map((w) => w.at.getTime()));
  log(`burst of ${BURST} done in ${((bigBurstDone - bigBurstStart) / 1000).toFixed(1)} s`);

  const portalLag = (samples: { id: string; returnedAt: number }[], synced: Map<string, number>) =>
    samples.map((s) => (synced.get(s.id) ?? Number.NaN) - s.returnedAt);
  const polls = (samples: { failed: number }[]) => summary(samples.map((s) => s.failed));
  /** Trunks already provisioned when their poller's first REGISTER arrived: their lag is at most the floor. */
  const atFirstTry = (samples: { failed: number }[]) => samples.filter((s) => s.failed === 0).length;

  const burstSeconds = (lastRegistered - burstStart) / 1000;
  const report = [
    `Date: ${new Date().toISOString()}; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}`,
    `Trunks per phase: ${TRUNKS}; poll interval ${POLL_MS} ms; burst concurrency ${CONCURRENCY}`,
    "",
    "| measurement | n | p50 | p95 | p99 | max |",
    "| --- | --- | --- | --- | --- | --- |",
    row("floor: SIPp start → 200 (trunk already provisioned)", floor),
    row(
      "sequential: command return → first REGISTER 200",
      sequential.map((s) => s.lag),
    ),
    row("sequential: command return → trunk.syncedAt", portalLag(sequential, sequentialSynced)),
    row(
      "burst: command return → first REGISTER 200",
      burst.map((b) => b.lag),
    ),
    row("burst: command return → trunk.syncedAt", portalLag(burst, burstSynced)),
    "",
    `Sequential: ${TRUNKS} trunks created and registered in ${sequentialSeconds.toFixed(1)} s ` +
      `(${(TRUNKS / sequentialSeconds).toFixed(1)} trunks/s end to end); failed REGISTER polls per trunk ` +
      `p50 ${polls(sequential).p50}, max ${polls(sequential).max}; ${atFirstTry(sequential)} trunks registered ` +
      "at the first try.",
    `Burst: ${TRUNKS} commands returned in ${((burstCreatedAt - burstStart) / 1000).toFixed(1)} s ` +
      `(${(TRUNKS / ((burstCreatedAt - burstStart) / 1000)).toFixed(1)} trunks/s created); all synced ` +
      `${((lastSynced - burstStart) / 1000).toFixed(1)} s and all registered ${burstSeconds.toFixed(1)} s after the ` +
      `first command (${(TRUNKS / burstSeconds).toFixed(1)} trunks/s provisioned and registered); failed polls per ` +
      `trunk p50 ${polls(burst).p50}, max ${polls(burst).max}; ${atFirstTry(burst)} trunks registered at the ` +
      "first try.",
    `Backlog: ${TRUNKS} queued trunks synced ${drainSeconds.toFixed(2)} s after the worker was ready ` +
      `(${(TRUNKS / drainSeconds).toFixed(0)} trunks/s, worker concurrency 5); the worker process took ` +
      `${((workerReadyAt - workerStartedAt) / 1000).toFixed(1)} s to start.`,
    "",
    "| burst of creations | n | p50 | p95 | p99 | max |",
    "| --- | --- | --- | --- | --- | --- |",
    row("command return (commit) → registrar subscriber row written", bigBurstLags),
    "",
    `Burst of ${BURST}: commands returned in ${((bigBurstCreated - bigBurstStart) / 1000).toFixed(1)} s ` +
      `(${(BURST / ((bigBurstCreated - bigBurstStart) / 1000)).toFixed(1)} trunks/s); the last subscriber row was ` +
      `written ${((bigBurstDone - bigBurstStart) / 1000).toFixed(1)} s after the first command.`,
    `Total run: ${((Date.now() - started) / 1000).toFixed(0)} s.`,
  ].join("\n");
  console.info(`\n${report}\n`);
}

await runBenchmark(main);
