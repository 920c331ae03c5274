import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeCommand } from "../../lib/commands";
import { digestHashes } from "../../lib/credentials/digest";
import { createDemoAccount } from "../../lib/customers";
import type { Db } from "../../lib/db";
import { createKamailioSqlRegistrar } from "../../lib/registrar/kamailio-sql";
import { reconcile } from "../../lib/registrar/reconcile";
import { syncTrunk } from "../../lib/registrar/sync";
import type { Registrar } from "../../lib/registrar/types";
import { deleteTrunk, resetTrunkPassword, revealTrunkPassword, setTrunkStatus } from "../../lib/trunks";
import { SYNC_TRUNK_TASK, syncJobKey } from "../../lib/trunks/provision";
import { contextFor, createActor, createPortalDatabase, plantStaleDigests, startTestWorker } from "../support/portal";

let db: Db;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let registrarDb: pg.Client;
/** The test's own connection to the worker's registrar, usable after the worker stops. */
let registrar: Registrar;

beforeAll(async () => {
  let url: string;
  ({ db, url } = await createPortalDatabase("reconcile"));
  await db.sipServer.create({
    data: { hostname: "Sip.Reconcile.example", realm: "sip.reconcile.example", label: "x" },
  });
  worker = await startTestWorker({ db, url });
  registrar = createKamailioSqlRegistrar(worker.registrarUrl);
  registrarDb = new pg.Client(worker.registrarUrl);
  await registrarDb.connect();
});
afterAll(async () => {
  await registrarDb?.end();
  await registrar?.close();
  await worker?.stop();
  await db?.$disconnect();
});

async function syncedDemo(company: string) {
  const sales = await createActor(db, "SALES");
  const created = await executeCommand(createDemoAccount, contextFor(db, sales), {
    company,
    contactName: "C",
    contactEmail: `${company.toLowerCase().replace(/\W/g, "")}@reconcile.example`,
  });
  if (!created.ok) throw new Error(created.formError);
  await expect
    .poll(async () => (await db.trunk.findUniqueOrThrow({ where: { id: created.value.trunk.id } })).syncState, {
      timeout: 15_000,
    })
    .toBe("SYNCED");
  return created.value.trunk;
}

describe("reconciliation", () => {
  it("finds nothing to do when the registrar matches", async () => {
    await syncedDemo("Clean Co");
    const report = await reconcile(db, registrar);
    expect(report.findings).toEqual([]);
  });

  it("repairs a subscriber deleted by hand and an attribute changed by hand, and reports strangers", async () => {
    const deleted = await syncedDemo("Deleted By Hand");
    const tampered = await syncedDemo("Tampered Limit");
    await registrarDb.query("DELETE FROM subscriber WHERE username = $1", [deleted.username]);
    await registrarDb.query(
      "UPDATE usr_preferences SET value = '500' WHERE username = $1 AND attribute = 'call_limit'",
      [tampered.username],
    );
    await registrarDb.query(
      "INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES ('stranger1', 'sip.reconcile.example', '', $1, $1)",
      ["0".repeat(32)],
    );

    const report = await reconcile(db, registrar);
    expect(report.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ username: deleted.username, problem: "missing", action: "repaired" }),
        expect.objectContaining({ username: tampered.username, problem: "wrong-attributes", action: "repaired" }),
        expect.objectContaining({ username: "stranger1", problem: "unknown", action: "reported" }),
      ]),
    );
    const rows = await registrarDb.query("SELECT username FROM subscriber WHERE username = $1", [deleted.username]);
    expect(rows.rowCount).toBe(1);
    const limit = await registrarDb.query(
      "SELECT value FROM usr_preferences WHERE username = $1 AND attribute = 'call_limit'",
      [tampered.username],
    );
    expect(limit.rows).toEqual([{ value: "5" }]);

    // A second pass finds only the stranger, which is removed when configured.
    const again = await reconcile(db, registrar, { removeUnknown: true });
    expect(again.findings).toEqual([expect.objectContaining({ username: "stranger1", action: "removed" })]);
    expect((await reconcile(db, registrar)).findings).toEqual([]);
  });

  it("repairs attribute rows the registrar holds twice or that the portal never wrote", async () => {
    const doubled = await syncedDemo("Doubled Limit");
    const foreign = await syncedDemo("Foreign Row");
    // A second call_limit row after the right one (Kamailio loads both), and a row outside the contract.
    await registrarDb.query(
      `INSERT INTO usr_preferences (uuid, username, domain, attribute, type, value)
       SELECT uuid, username, domain, 'call_limit', 0, '900' FROM usr_preferences
       WHERE username = $1 AND attribute = 'call_limit'`,
      [doubled.username],
    );
    await registrarDb.query(
      `INSERT INTO usr_preferences (uuid, username, domain, attribute, type, value)
       SELECT DISTINCT uuid, username, domain, 'legacy_route', 0, '50' FROM usr_preferences WHERE username = $1`,
      [foreign.username],
    );

    const report = await reconcile(db, registrar);
    expect(report.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ username: doubled.username, problem: "wrong-attributes", action: "repaired" }),
        expect.objectContaining({ username: foreign.username, problem: "wrong-attributes", action: "repaired" }),
      ]),
    );
    const left = await registrarDb.query(
      "SELECT count(*)::int AS n FROM usr_preferences WHERE username = ANY($1) AND value IN ('900', '50')",
      [[doubled.username, foreign.username]],
    );
    expect(left.rows).toEqual([{ n: 0 }]);
    expect((await reconcile(db, registrar)).findings).toEqual([]);
  });

  it("opens a sealed password only when its trunk's password or digests changed since a run verified them", async () => {
    const trunk = await syncedDemo("Verified Once");
    await reconcile(db, registrar);
    // Every digest was verified against its password by the run before: none is opened again.
    const quiet = await reconcile(db, registrar);
    expect(quiet.passwordsOpened).toBe(0);
    expect(quiet.findings).toEqual([]);

    // A new password (and digests): that trunk is checked again, and nothing else.
    const support = await createActor(db, "SUPPORT");
    expect((await executeCommand(resetTrunkPassword, contextFor(db, support), { trunkId: trunk.id })).ok).toBe(true);
    await expect
      .poll(async () => (await db.trunk.findUniqueOrThrow({ where: { id: trunk.id } })).syncState, { timeout: 15_000 })
      .toBe("SYNCED");
    const afterReset = await reconcile(db, registrar);
    expect(afterReset.passwordsOpened).toBe(1);
    expect(afterReset.findings).toEqual([]);

    // Digests changed by hand after they were verified: opened again, found stale, rewritten.
    await db.$executeRaw`UPDATE "TrunkServer" SET ha1 = md5('changed by hand') WHERE "trunkId" = ${trunk.id}`;
    const tampered = await reconcile(db, registrar);
    expect(tampered.passwordsOpened).toBe(1);
    expect(tampered.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ username: trunk.username, problem: "stale-portal-hash", action: "repaired" }),
      ]),
    );
    // Rewritten from the password, the digests are again those the earlier run verified.
    expect((await reconcile(db, registrar)).passwordsOpened).toBe(0);
  });

  it("checks the registrar against the password the customer holds, even when the portal's stored HA1 is stale", async () => {
    const sales = await createActor(db, "SALES");
    const created = await executeCommand(createDemoAccount, contextFor(db, sales), {
      company: "Stale Hash",
      contactName: "C",
      contactEmail: "stalehash@reconcile.example",
    });
    if (!created.ok) throw new Error(created.formError);
    const { trunk } = created.value;
    // Synced here rather than by the worker, which another test of this file stops; a sync the worker already
    // started must end first, or it could write the right hashes over the planted ones.
    await syncTrunk(db, registrar, trunk.id);
    await db.$executeRaw`SELECT graphile_worker.remove_job(${syncJobKey(trunk.id)})`;
    await expect
      .poll(
        async () =>
          (
            await db.$queryRaw<{ n: number }[]>`
              SELECT count(*)::int AS n FROM graphile_worker._private_jobs j
              JOIN graphile_worker._private_tasks t ON t.id = j.task_id
              WHERE t.identifier = ${SYNC_TRUNK_TASK} AND j.payload->>'trunkId' = ${trunk.id}`
          )[0]?.n,
        { timeout: 15_000 },
      )
      .toBe(0);
    const realm = "sip.reconcile.example";
    await plantStaleDigests(db, registrarDb, trunk, realm);

    const findingsOfTrunk = async () =>
      (await reconcile(db, registrar)).findings.filter((finding) => finding.username === trunk.username);
    expect((await findingsOfTrunk()).map((finding) => [finding.problem, finding.action])).toEqual([
      ["stale-portal-hash", "repaired"],
      ["wrong-hash", "repaired"],
    ]);
    const admin = await createActor(db, "ADMIN");
    const revealed = await executeCommand(revealTrunkPassword, contextFor(db, admin), { trunkId: trunk.id });
    if (!revealed.ok) throw new Error("reveal failed");
    const expected = digestHashes(trunk.username, realm, revealed.value.password);
    const { rows } = await registrarDb.query("SELECT ha1, ha1b FROM subscriber WHERE username = $1", [trunk.username]);
    expect(rows).toEqual([expected]);
    expect(await db.trunkServer.findFirstOrThrow({ where: { trunkId: trunk.id } })).toMatchObject(expected);
    expect(await findingsOfTrunk()).toEqual([]);
  });

  it("never removes a trunk created while it reads, even when removing unknown subscribers", async () => {
    const sales = await createActor(db, "SALES");
    let created: { id: string; username: string } | null = null;
    // A trunk created and synced at the moment reconciliation lists the registrar's subscribers (staff at work
    // while it runs).
    const busyRegistrar: Registrar = {
      ...registrar,
      async usernames(after, limit) {
        if (!created) {
          const result = await executeCommand(createDemoAccount, contextFor(db, sales), {
            company: "Created Meanwhile",
            contactName: "C",
            contactEmail: "meanwhile@reconcile.example",
          });
          if (!result.ok) throw new Error(result.formError);
          created = result.value.trunk;
          await syncTrunk(db, registrar, created.id);
        }
        return registrar.usernames(after, limit);
      },
    };
    const report = await reconcile(db, busyRegistrar, { removeUnknown: true });
    const trunk = created as { id: string; username: string } | null;
    if (!trunk) throw new Error("no trunk was created");
    expect(report.findings.filter((finding) => finding.username === trunk.username)).toEqual([]);
    const rows = await registrarDb.query("SELECT username FROM subscriber WHERE username = $1", [trunk.username]);
    expect(rows.rowCount).toBe(1);
  });

  it("removes disabled and deleted trunks that can still authenticate", async () => {
    const disabled = await syncedDemo("Disabled Leftover");
    const removed = await syncedDemo("Deleted Leftover");
    const admin = await createActor(db, "ADMIN");
    await worker.stop();
    await executeCommand(setTrunkStatus, contextFor(db, admin), { trunkId: disabled.id, status: "DISABLED" });
    await executeCommand(deleteTrunk, contextFor(db, admin), { trunkId: removed.id });
    // The worker is down, so the registrar still has both; reconciliation catches it.
    const report = await reconcile(db, registrar);
    expect(report.findings.map((finding) => [finding.username, finding.problem])).toEqual(
      expect.arrayContaining([
        [disabled.username, "should-be-absent"],
        [removed.username, "should-be-absent"],
      ]),
    );
    const left = await registrarDb.query("SELECT username FROM subscriber WHERE username = ANY($1)", [
      [disabled.username, removed.username],
    ]);
    expect(left.rowCount).toBe(0);
  });
});
