import type { JobHelpers, Task } from "graphile-worker";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeCommand } from "../../lib/commands";
import { digestHashes } from "../../lib/credentials/digest";
import { createDemoAccount } from "../../lib/customers";
import type { Db } from "../../lib/db";
import { jobTasks } from "../../lib/jobs/tasks";
import { createMailTransport } from "../../lib/mail/transport";
import { createKamailioSqlRegistrar } from "../../lib/registrar/kamailio-sql";
import { ensureRegistrarSchema } from "../../lib/registrar/schema";
import { syncTrunk, syncTrunks } from "../../lib/registrar/sync";
import type { Registrar, SubscriberChange } from "../../lib/registrar/types";
import { resetTrunkPassword, revealTrunkPassword } from "../../lib/trunks";
import { SYNC_TRUNK_TASK, syncJobKey } from "../../lib/trunks/provision";
import { createTestDatabase } from "../support/database";
import { contextFor, createActor, createPortalDatabase, createTrunkBatch } from "../support/portal";

const REALM = "sip.order.example";
let db: Db;
let portalUrl: string;
let registrar: Registrar;
let registrarDb: pg.Client;

beforeAll(async () => {
  ({ db, url: portalUrl } = await createPortalDatabase("sync_order"));
  await db.sipServer.create({ data: { hostname: "Sip.Order.example", realm: REALM, label: "x" } });
  const registrarUrl = await createTestDatabase("registrar");
  await ensureRegistrarSchema(registrarUrl);
  registrar = createKamailioSqlRegistrar(registrarUrl);
  registrarDb = new pg.Client(registrarUrl);
  await registrarDb.connect();
});
afterAll(async () => {
  await registrarDb?.end();
  await registrar?.close();
  await db?.$disconnect();
});

/** A demo account's trunk, created by `sales` (PENDING until a sync runs: no worker runs in this file). */
async function demo(sales: Parameters<typeof contextFor>[1], company: string) {
  const created = await executeCommand(createDemoAccount, contextFor(db, sales), {
    company,
    contactName: "H",
    contactEmail: `${company.replaceAll(" ", "").toLowerCase()}@order.example`,
  });
  if (!created.ok) throw new Error(created.formError);
  return created.value.trunk;
}

/** The real registrar, except that the first write waits until the test lets it through (a slow network, say). */
function registrarWithHeldFirstPut() {
  let release = () => {};
  let started = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const firstPutStarted = new Promise<void>((resolve) => {
    started = resolve;
  });
  let writes = 0;
  const slow: Registrar = {
    ...registrar,
    async apply(changes: readonly SubscriberChange[]) {
      if (++writes === 1) {
        started();
        await held;
      }
      return registrar.apply(changes);
    },
  };
  return { slow, firstPutStarted, release };
}

/**
 * Resolves once another session of the portal database waits for an advisory lock (a sync waiting its turn), or
 * when `stop` says there is no need to look any more.
 */
async function someoneWaitsForAdvisoryLock(stop: { done: boolean }) {
  const monitor = new pg.Client(portalUrl);
  await monitor.connect();
  try {
    while (!stop.done) {
      const { rowCount } = await monitor.query(
        "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      );
      if (rowCount) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await monitor.end();
  }
}

describe("two syncs of one trunk", () => {
  it("never let an older sync's write land after a newer one's", async () => {
    const sales = await createActor(db, "SALES");
    const support = await createActor(db, "SUPPORT");
    const created = await executeCommand(createDemoAccount, contextFor(db, sales), {
      company: "Slow Network Inc",
      contactName: "S",
      contactEmail: "slow@order.example",
    });
    if (!created.ok) throw new Error(created.formError);
    const trunkId = created.value.trunk.id;
    await syncTrunk(db, registrar, trunkId);

    // Sync A reads the trunk, then its write to the registrar stalls.
    const { slow, firstPutStarted, release } = registrarWithHeldFirstPut();
    const older = syncTrunk(db, slow, trunkId);
    await firstPutStarted;
    // Meanwhile support resets the password, and that change's sync (B) runs.
    expect((await executeCommand(resetTrunkPassword, contextFor(db, support), { trunkId })).ok).toBe(true);
    const newer = syncTrunk(db, registrar, trunkId);
    // B either finishes on its own, or waits for A's turn to end; only then does A's write go through.
    const stop = { done: false };
    await Promise.race([newer, someoneWaitsForAdvisoryLock(stop)]);
    stop.done = true;
    release();
    await Promise.all([older, newer]);

    const admin = await createActor(db, "ADMIN");
    const revealed = await executeCommand(revealTrunkPassword, contextFor(db, admin), { trunkId });
    if (!revealed.ok) throw new Error("reveal failed");
    const { rows } = await registrarDb.query("SELECT ha1 FROM subscriber WHERE username = $1", [
      created.value.trunk.username,
    ]);
    expect(rows).toEqual([{ ha1: digestHashes(created.value.trunk.username, REALM, revealed.value.password).ha1 }]);
    expect((await db.trunk.findUniqueOrThrow({ where: { id: trunkId } })).syncState).toBe("SYNCED");
  });
});

describe("a worker's sync job whose trunk another sync holds", () => {
  it("leaves the trunk to that sync, syncs the other waiting trunks at once, and comes back for the newer change", async () => {
    const sales = await createActor(db, "SALES");
    const support = await createActor(db, "SUPPORT");
    const held = await demo(sales, "Held Trunk Ltd");
    await syncTrunk(db, registrar, held.id);
    const waiting = await demo(sales, "Waiting Trunk Ltd");

    // Sync A has read the held trunk and stalls on the registrar; then its password is reset (a newer change).
    const { slow, firstPutStarted, release } = registrarWithHeldFirstPut();
    const older = syncTrunk(db, slow, held.id);
    await firstPutStarted;
    expect((await executeCommand(resetTrunkPassword, contextFor(db, support), { trunkId: held.id })).ok).toBe(true);

    // The reset's job runs: it must not wait for A.
    const job = syncTrunks(db, registrar, [held.id], { alsoPending: 10, force: false });
    const outcome = await Promise.race([
      job,
      new Promise<"waited">((resolve) => setTimeout(() => resolve("waited"), 10_000)),
    ]);
    release();
    await older;
    await job;
    expect(outcome).not.toBe("waited");
    expect(outcome === "waited" ? null : outcome.get(held.id)).toEqual({ outcome: "deferred" });
    expect((await db.trunk.findUniqueOrThrow({ where: { id: waiting.id } })).syncState).toBe("SYNCED");
    const [requeued] = await db.$queryRaw<{ run_at: Date }[]>`
      SELECT run_at FROM graphile_worker.jobs WHERE key = ${`sync-trunk:${held.id}`}`;
    expect(requeued?.run_at).toBeInstanceOf(Date);

    // A could not record SYNCED over the newer change; the job's return writes the new password.
    expect((await db.trunk.findUniqueOrThrow({ where: { id: held.id } })).syncState).toBe("PENDING");
    await syncTrunks(db, registrar, [held.id], { alsoPending: 10, force: false });
    const admin = await createActor(db, "ADMIN");
    const revealed = await executeCommand(revealTrunkPassword, contextFor(db, admin), { trunkId: held.id });
    if (!revealed.ok) throw new Error("reveal failed");
    const { rows } = await registrarDb.query("SELECT ha1 FROM subscriber WHERE username = $1", [held.username]);
    expect(rows).toEqual([{ ha1: digestHashes(held.username, REALM, revealed.value.password).ha1 }]);
    expect((await db.trunk.findUniqueOrThrow({ where: { id: held.id } })).syncState).toBe("SYNCED");
  });
});

describe("sync batches running at once", () => {
  it("take along waiting trunks that no other batch holds, rather than the oldest ones only", async () => {
    const sales = await createActor(db, "SALES");
    const older: string[] = [];
    for (const name of ["One", "Two", "Three", "Four"]) older.push((await demo(sales, `Older ${name} Ltd`)).id);
    const newer: string[] = [];
    for (const name of ["One", "Two", "Three", "Four"]) newer.push((await demo(sales, `Newer ${name} Ltd`)).id);

    // Another batch holds every waiting trunk but the newer four (the oldest ones, as the first batch of a burst does).
    const otherBatch = new pg.Client(portalUrl);
    await otherBatch.connect();
    try {
      await otherBatch.query(
        `SELECT pg_advisory_lock(hashtextextended('sync-trunk:' || id, 0)) FROM "Trunk"
         WHERE "syncState" = 'PENDING' AND id <> ALL($1::text[])`,
        [newer],
      );
      const outcomes = await syncTrunks(db, registrar, [newer[0] as string], { alsoPending: 3, force: false });
      expect(outcomes.get(newer[0] as string)).toEqual({ outcome: "synced" });
    } finally {
      await otherBatch.end();
    }
    const states = await db.trunk.findMany({
      where: { id: { in: [...older, ...newer] } },
      select: { id: true, syncState: true },
    });
    const stateOf = new Map(states.map((trunk) => [trunk.id, trunk.syncState]));
    expect(newer.map((id) => stateOf.get(id))).toEqual(["SYNCED", "SYNCED", "SYNCED", "SYNCED"]);
    expect(older.map((id) => stateOf.get(id))).toEqual(["PENDING", "PENDING", "PENDING", "PENDING"]);
  });
});

describe("trunks created together", () => {
  it("share one sync job, which syncs each of them and removes the jobs of the trunks it takes along", async () => {
    const sales = await createActor(db, "SALES");
    // Two trunks created one by one, each with its own keyed job; a worker holds the second one's job.
    const alone = await demo(sales, "Alone Trunk Ltd");
    const held = await demo(sales, "Held Job Ltd");
    const [heldJob] = await db.$queryRaw<{ id: bigint }[]>`
      UPDATE graphile_worker._private_jobs SET locked_at = now(), locked_by = 'another-worker'
      WHERE key = ${syncJobKey(held.id)} RETURNING id`;
    const server = await db.sipServer.findFirstOrThrow({ where: { realm: REALM } });
    const created = await createTrunkBatch(db, sales, server.id, "Together Voice", 3);
    const ids = created.map((trunk) => trunk.id);
    const jobs = await db.$queryRaw<{ key: string | null; payload: unknown }[]>`
      SELECT j.key, j.payload FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
      WHERE t.identifier = ${SYNC_TRUNK_TASK}
        AND (j.payload->>'trunkId' = ANY(${ids}) OR (j.payload->'trunkIds')::jsonb ?| ${ids})`;
    expect(jobs).toEqual([{ key: null, payload: { trunkIds: ids } }]);

    // The worker's task runs that job (and takes the other waiting trunks along).
    const tasks = jobTasks({
      db,
      registrar,
      transport: createMailTransport(undefined),
      mailFrom: "Tests <portal@test.example>",
      removeUnknownSubscribers: false,
      webhookPolicy: { httpHosts: [], allowPrivateAddresses: false },
    });
    await (tasks[SYNC_TRUNK_TASK] as Task)(jobs[0]?.payload, {} as JobHelpers);

    const all = [...ids, alone.id, held.id];
    const trunks = await db.trunk.findMany({ where: { id: { in: all } }, select: { username: true, syncState: true } });
    expect(trunks.map((trunk) => trunk.syncState)).toEqual(Array(5).fill("SYNCED"));
    const { rows } = await registrarDb.query("SELECT username FROM subscriber WHERE username = ANY($1)", [
      trunks.map((trunk) => trunk.username),
    ]);
    expect(rows).toHaveLength(5);
    // The taken-along trunk's own job is gone; the held one is kept from running again, its key freed (as
    // graphile-worker's remove_job leaves a job a worker holds).
    const left = await db.$queryRaw<{ id: bigint; key: string | null; spent: boolean }[]>`
      SELECT id, key, attempts >= max_attempts AS spent FROM graphile_worker.jobs
      WHERE key = ANY(${[syncJobKey(alone.id), syncJobKey(held.id)]}) OR id = ${heldJob?.id}`;
    expect(left).toEqual([{ id: heldJob?.id, key: null, spent: true }]);
  });
});

describe("a registrar that grows fast", () => {
  it("has its tables analysed after every few thousand accounts written, without waiting for autovacuum", async () => {
    const analyses = async () =>
      (
        await registrarDb.query<{ relname: string; analyze_count: string }>(
          `SELECT relname, analyze_count FROM pg_stat_user_tables
           WHERE relname IN ('subscriber', 'usr_preferences') ORDER BY relname`,
        )
      ).rows.map((row) => [row.relname, Number(row.analyze_count)]);
    const before = await analyses();
    const accounts = Array.from({ length: 2_100 }, (_, n) => `grow${String(n).padStart(6, "0")}`);
    for (let start = 0; start < accounts.length; start += 300) {
      const results = await registrar.apply(
        accounts.slice(start, start + 300).map((username) => ({
          put: {
            username,
            enabled: true,
            credentials: [{ realm: REALM, ...digestHashes(username, REALM, "pw") }],
            attributes: {
              callLimit: 5,
              dialPermission: "US_ONLY" as const,
              allowedCountries: [],
              callerIdPolicy: "FORCED" as const,
              forcedCallerId: "+12025550100",
              forcedCallerIdName: null,
              dids: [],
            },
          },
        })),
      );
      expect(results.every((result) => result === null)).toBe(true);
    }
    // analyze_count counts ANALYZE commands only (autovacuum's are autoanalyze_count).
    expect(await analyses()).toEqual(before.map(([table, count]) => [table, Number(count) + 1]));
  });
});
