/**
 * Reliability of registrar provisioning through the portal's own path (commands → outbox → worker → Kamailio SQL
 * adapter), with real failures: the registrar database really unreachable (a TCP proxy in front of PostgreSQL that
 * is stopped and started again), a registrar database that stops answering (the proxy swallows all traffic), and a
 * worker process killed with SIGKILL in the middle of a batch. In every case each trunk must end up provisioned
 * exactly once: nothing lost, nothing duplicated, no job stuck.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import pg from "pg";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { executeCommand } from "@/lib/commands";
import { createCustomer } from "@/lib/customers";
import type { Db } from "@/lib/db";
import { ROOT } from "@/lib/paths";
import { createKamailioSqlRegistrar, type KamailioSqlRegistrarOptions } from "@/lib/registrar/kamailio-sql";
import { reconcile } from "@/lib/registrar/reconcile";
import { ensureRegistrarSchema } from "@/lib/registrar/schema";
import { getProviderSettings } from "@/lib/settings";
import { createTrunk, revealTrunkPassword } from "@/lib/trunks";
import { log } from "../../lib/observability/log";
import { createTestDatabase } from "../support/database";
import { startKamailio } from "../support/kamailio";
import { contextFor, createActor, createPortalDatabase, startTestWorker } from "../support/portal";
import { removeSippArtifacts, sippRegister } from "../support/sipp";
import { startTcpProxy, type TcpProxy, urlThroughProxy } from "../support/tcp-proxy";

const REALM = "sip.outage.test";
const HOSTNAME = "Sip.Outage.test";
const TRUNKS = 200;

/** Things to tear down after each test, newest first. */
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});
afterAll(() => removeSippArtifacts());

/** A migrated portal database with one SIP server, and an empty registrar database with Kamailio's schema. */
async function environment(prefix: string) {
  const { db, url } = await createPortalDatabase(prefix);
  cleanups.push(() => db.$disconnect());
  // Credential checks are tested elsewhere (tests/registrar/credential-check.test.ts); here they would only add load.
  const server = await db.sipServer.create({
    data: { hostname: HOSTNAME, realm: REALM, label: "Outage", credentialCheck: false },
  });
  // The provider settings row exists before anyone creates trunks, as `npm start` (lib/bootstrap.ts) makes sure.
  await getProviderSettings(db);
  const registrarUrl = await createTestDatabase(`${prefix}_registrar`);
  await ensureRegistrarSchema(registrarUrl);
  const registrarDb = new pg.Client({ connectionString: registrarUrl });
  await registrarDb.connect();
  cleanups.push(() => registrarDb.end());
  return { db, url, server, registrarUrl, registrarDb };
}

/** The real worker, provisioning `registrarUrl` (through a proxy, or the database a previous worker wrote to). */
async function startWorkerFor(
  db: Db,
  url: string,
  registrarUrl: string,
  options: { staleAfterMs?: number; registrar?: KamailioSqlRegistrarOptions } = {},
) {
  const worker = await startTestWorker({
    db,
    url,
    registrarUrl,
    staleAfterMs: options.staleAfterMs,
    registrarOptions: options.registrar,
    webhookPolicy: { httpHosts: [], allowPrivateAddresses: false },
  });
  cleanups.push(worker.stop);
  return worker;
}

async function startProxyFor(databaseUrl: string, delayMs = 0): Promise<TcpProxy> {
  const proxy = await startTcpProxy({ targetPort: Number(new URL(databaseUrl).port), delayMs });
  cleanups.push(() => proxy.stop());
  return proxy;
}

let customers = 0;

/** Creates `count` trunks for one new customer through the createTrunk command, a few at a time like busy staff. */
async function createTrunks(db: Db, serverId: string, count: number) {
  const sales = await createActor(db, "SALES");
  const ctx = contextFor(db, sales);
  const customer = await executeCommand(createCustomer, ctx, {
    company: "Outage Test Co",
    contactName: "Olive Outage",
    contactEmail: `olive-${++customers}@outage.example`,
  });
  if (!customer.ok) throw new Error(customer.formError);
  const ids: string[] = [];
  let next = 0;
  const createOne = async () => {
    while (next < count) {
      next++;
      const result = await executeCommand(createTrunk, ctx, {
        customerId: customer.value.id,
        serverIds: [serverId],
        callLimit: "5",
        dialPermission: "US_ONLY",
        allowedCountries: "",
        callerIdPolicy: "FORCED",
        forcedCallerId: "",
        forcedCallerIdName: "",
        dids: "",
      });
      if (!result.ok) throw new Error(`createTrunk: ${result.formError} ${JSON.stringify(result.fieldErrors)}`);
      ids.push(result.value.id);
    }
  };
  await Promise.all(Array.from({ length: 8 }, createOne));
  return ids;
}

const syncStates = async (db: Db) =>
  Object.fromEntries(
    (await db.trunk.groupBy({ by: ["syncState"], _count: true })).map((group) => [group.syncState, group._count]),
  );

async function waitUntilAllSynced(db: Db, timeout: number, count = TRUNKS) {
  await expect.poll(() => syncStates(db), { timeout, interval: 250 }).toEqual({ SYNCED: count });
}

/**
 * The registrar holds exactly what the portal says, once: one subscriber row per (username, realm) for every trunk
 * and no other, exactly the expected usr_preferences rows (no duplicates, none missing), and reconciliation finds
 * nothing to repair (hashes and attributes match).
 */
async function expectRegistrarMatchesPortal(db: Db, registrarDb: pg.Client, registrarUrl: string) {
  const trunks = await db.trunk.findMany({ orderBy: { username: "asc" } });
  expect(trunks).toHaveLength(TRUNKS);
  for (const trunk of trunks) expect(trunk).toMatchObject({ syncState: "SYNCED", syncError: null });

  const subscribers = await registrarDb.query<{ username: string; domain: string; n: number }>(
    "SELECT username, domain, count(*)::int AS n FROM subscriber GROUP BY username, domain ORDER BY username",
  );
  expect(subscribers.rows).toEqual(trunks.map((trunk) => ({ username: trunk.username, domain: REALM, n: 1 })));

  const expected = trunks
    .flatMap((trunk) => [
      [trunk.username, "call_limit", String(trunk.callLimit)],
      [trunk.username, "cid_policy", trunk.callerIdPolicy],
      [trunk.username, "dial_permission", trunk.dialPermission],
      [trunk.username, "forced_cid", trunk.forcedCallerId],
    ])
    .map(([uuid, attribute, value]) => `${uuid}|${REALM}|${attribute}|${value}`)
    .sort();
  const preferences = await registrarDb.query<{ row: string }>(
    "SELECT concat_ws('|', uuid, domain, attribute, value) AS row FROM usr_preferences WHERE type = 0 AND uuid = username",
  );
  expect(preferences.rows.map((r) => r.row).sort()).toEqual(expected);
  const strays = await registrarDb.query("SELECT id FROM usr_preferences WHERE type <> 0 OR uuid <> username");
  expect(strays.rowCount).toBe(0);

  const registrar = createKamailioSqlRegistrar(registrarUrl);
  try {
    expect((await reconcile(db, registrar)).findings).toEqual([]);
  } finally {
    await registrar.close();
  }
}

/** A real PBX registration for one of the trunks, through a Kamailio reading the same registrar database. */
async function expectTrunkRegisters(db: Db, registrarUrl: string, trunkId: string) {
  const kamailio = await startKamailio({ databaseUrl: registrarUrl, realm: REALM });
  cleanups.push(() => kamailio.stop());
  const admin = await createActor(db, "ADMIN");
  const revealed = await executeCommand(revealTrunkPassword, contextFor(db, admin), { trunkId });
  if (!revealed.ok) throw new Error(revealed.formError);
  const trunk = await db.trunk.findUniqueOrThrow({ where: { id: trunkId } });
  const result = await sippRegister({
    proxyPort: kamailio.sipPort,
    username: trunk.username,
    password: revealed.value.password,
    domain: HOSTNAME,
  });
  expect(result.status, kamailio.logTail()).toBe(200);
}

describe("registrar database outage", () => {
  it("keeps every trunk created while the registrar is unreachable and provisions each once when it returns", async () => {
    const { db, url, server, registrarUrl, registrarDb } = await environment("outage");
    const proxy = await startProxyFor(registrarUrl);
    // The worker logs every failed attempt; keep those lines to check them, not print them.
    const workerErrors = vi.spyOn(log, "error").mockImplementation(() => {});
    cleanups.push(() => workerErrors.mockRestore());
    await startWorkerFor(db, url, urlThroughProxy(registrarUrl, proxy));

    // The registrar database goes away (listener closed, the worker's pooled connections cut)…
    await proxy.stop();
    // …while sales keep creating trunks: the commands do not depend on the registrar, they only queue the sync.
    const ids = await createTrunks(db, server.id, TRUNKS);
    expect(new Set(ids).size).toBe(TRUNKS);

    // Every sync has been tried and has failed; the portal shows why and when it tries again.
    await expect.poll(() => syncStates(db), { timeout: 20_000, interval: 100 }).toEqual({ FAILED: TRUNKS });
    const failed = await db.trunk.findMany({ select: { syncError: true, syncNextAttemptAt: true } });
    for (const trunk of failed) {
      expect(trunk.syncError).toMatch(/ECONNREFUSED/);
      expect(trunk.syncNextAttemptAt).not.toBeNull();
    }
    expect((await registrarDb.query("SELECT 1 FROM subscriber")).rowCount).toBe(0);
    expect(workerErrors.mock.calls.map((call) => JSON.stringify(call))).toContainEqual(
      expect.stringMatching(/registrar\.sync-trunk.*ECONNREFUSED/s),
    );

    // The database is back: the retries provision everything without any manual action.
    await proxy.start();
    await waitUntilAllSynced(db, 45_000);
    expect(proxy.accepted).toBeGreaterThan(0);
    await expectRegistrarMatchesPortal(db, registrarDb, registrarUrl);
    await expectTrunkRegisters(db, registrarUrl, ids[0] ?? "");
  });
});

describe("registrar database that stops answering", () => {
  it("times syncs out instead of hanging the worker, and provisions them once the network is back", async () => {
    const { db, url, server, registrarUrl, registrarDb } = await environment("stalled");
    const proxy = await startProxyFor(registrarUrl);
    const workerErrors = vi.spyOn(log, "error").mockImplementation(() => {});
    cleanups.push(() => workerErrors.mockRestore());
    // Short timeouts so the test is quick; production defaults are 10 s to connect and 30 s per query.
    await startWorkerFor(db, url, urlThroughProxy(registrarUrl, proxy), {
      registrar: { connectTimeoutMs: 500, queryTimeoutMs: 1000 },
    });
    // One trunk first, so the worker's pool holds an open connection when the network goes quiet: both an
    // unanswered query on it and an unanswered new connection must time out.
    await createTrunks(db, server.id, 1);
    await waitUntilAllSynced(db, 15_000, 1);

    await proxy.stall();
    await createTrunks(db, server.id, 10);
    // Without timeouts these jobs would wait forever and stay PENDING; they fail, and say why.
    await expect.poll(() => syncStates(db), { timeout: 20_000, interval: 100 }).toEqual({ SYNCED: 1, FAILED: 10 });
    const errors = (await db.trunk.findMany({ where: { syncState: "FAILED" } })).map((trunk) => trunk.syncError);
    for (const error of errors) expect(error).toMatch(/timeout/i);

    await proxy.start();
    await waitUntilAllSynced(db, 30_000, 11);
    const subscribers = await registrarDb.query("SELECT username FROM subscriber");
    expect(subscribers.rowCount).toBe(11);
  });
});

describe("worker killed mid-batch", () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill("SIGKILL");
  });

  it("loses and duplicates nothing: another worker finishes the batch", async () => {
    const { db, url, server, registrarUrl, registrarDb } = await environment("killed");
    // The batch is queued first (no worker yet), so the whole run of the dying worker is one batch.
    const ids = await createTrunks(db, server.id, TRUNKS);

    // 20 ms each way on the registrar connection stretches the batch over seconds, so the kill lands in the middle
    // of it with syncs in flight (a database transaction open, or committed but not yet recorded on the trunk).
    const slow = await startProxyFor(registrarUrl, 20);
    child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "worker.ts")], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url, REGISTRAR_DATABASE_URL: urlThroughProxy(registrarUrl, slow) },
      stdio: "ignore",
    });
    // The worker syncs waiting trunks together (one registrar transaction per batch), so trunks turn SYNCED a batch
    // at a time: the kill is timed on the jobs it holds, not on a count of synced trunks.
    const lockedSyncs = () => db.$queryRaw<{ key: string }[]>`
      SELECT key FROM graphile_worker.jobs WHERE locked_by IS NOT NULL AND key LIKE 'sync-trunk:%'`;
    await expect.poll(async () => (await lockedSyncs()).length, { timeout: 30_000, interval: 20 }).toBeGreaterThan(0);
    const inFlight = await lockedSyncs();
    child.kill("SIGKILL");
    await new Promise((resolve) => child?.once("exit", resolve));

    const atKill = await syncStates(db);
    // Mid-batch: some trunks synced, others not yet, and syncs were held by the worker that died.
    expect(atKill.SYNCED ?? 0).toBeLessThan(TRUNKS);
    expect(inFlight.length).toBeGreaterThan(0);

    // A new worker takes over; with a short staleAfterMs it releases the dead worker's jobs within seconds.
    await startWorkerFor(db, url, registrarUrl, { staleAfterMs: 2000 });
    await waitUntilAllSynced(db, 30_000);
    await expectRegistrarMatchesPortal(db, registrarDb, registrarUrl);

    // A trunk whose sync was in flight when the worker died registers for real.
    const interrupted = inFlight[0]?.key.replace("sync-trunk:", "") ?? ids[0] ?? "";
    await expectTrunkRegisters(db, registrarUrl, interrupted);
  });
});
