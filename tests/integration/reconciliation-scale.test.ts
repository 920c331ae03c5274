/**
 * Reconciliation in batches (issue 11): 50,000 trunks compared with the registrar in username-ordered batches of
 * 1,000, with drift of every kind planted across the whole range, all of it found and repaired (strangers only
 * reported), progress reported after every batch. The portal is seeded and the registrar filled in bulk (set-based
 * SQL, the adapter's batch write); bench/reconciliation.ts runs the same at a million trunks.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plantDrift, remainingDrift, undoPortalDrift } from "../../bench/support/drift";
import { fillRegistrar } from "../../bench/support/registrar-fill";
import { seedPortal } from "../../bench/support/seed";
import type { Db } from "../../lib/db";
import { createKamailioSqlRegistrar } from "../../lib/registrar/kamailio-sql";
import { reconcile } from "../../lib/registrar/reconcile";
import { ensureRegistrarSchema } from "../../lib/registrar/schema";
import { createTestDatabase } from "../support/database";
import { createPortalDatabase } from "../support/portal";

const TRUNKS = 50_000;
const BATCH = 1_000;

let db: Db;
let portal: pg.Pool;
let registrarSql: pg.Pool;
let registrar: ReturnType<typeof createKamailioSqlRegistrar>;

beforeAll(async () => {
  let url: string;
  ({ db, url } = await createPortalDatabase("reconcile_scale"));
  await seedPortal(url, { customers: 5_000, trunks: TRUNKS, bigCustomers: 2, bigCustomerTrunks: 10_000 });
  const registrarUrl = await createTestDatabase("reconcile_scale_registrar");
  await ensureRegistrarSchema(registrarUrl);
  registrar = createKamailioSqlRegistrar(registrarUrl);
  portal = new pg.Pool({ connectionString: url, max: 2 });
  registrarSql = new pg.Pool({ connectionString: registrarUrl, max: 2 });
  // The registrar as the worker's syncs leave it: every trunk's subscriber and attribute rows, inserted in bulk.
  await fillRegistrar(portal, registrarSql);
}, 300_000);
afterAll(async () => {
  await portal?.end();
  await registrarSql?.end();
  await registrar?.close();
  await db?.$disconnect();
});

describe("reconciliation of 50,000 trunks", () => {
  it("finds and repairs drift planted across the whole range, batch by batch", async () => {
    const drift = await plantDrift(portal, registrarSql, 20);
    const progress: number[] = [];
    const report = await reconcile(db, registrar, {
      batchSize: BATCH,
      onProgress: (checked) => {
        progress.push(checked);
      },
    });

    expect(report.checked).toBe(TRUNKS);
    // Progress after every batch, in batches of BATCH.
    expect(progress).toHaveLength(TRUNKS / BATCH);
    expect(progress.at(-1)).toBe(TRUNKS);
    const found = (problem: string) =>
      new Set(report.findings.filter((finding) => finding.problem === problem).map((finding) => finding.username));
    const names = (rows: { username: string }[]) => rows.map((row) => row.username);
    expect([...found("missing")].sort()).toEqual(names(drift.deleted).sort());
    expect([...found("wrong-hash")]).toEqual(expect.arrayContaining(names(drift.wrongHash)));
    expect([...found("wrong-attributes")].sort()).toEqual(names(drift.wrongAttribute).sort());
    expect([...found("should-be-absent")].sort()).toEqual(names(drift.disabled).sort());
    expect([...found("stale-portal-hash")].sort()).toEqual(names(drift.stalePortal).sort());
    expect([...found("unknown")].sort()).toEqual([...drift.strangers].sort());
    expect(
      report.findings
        .filter((finding) => finding.problem !== "unknown")
        .every((finding) => finding.action === "repaired"),
    ).toBe(true);

    expect(await remainingDrift(registrarSql, drift)).toEqual({
      missing: 0,
      wrongHash: 0,
      wrongAttribute: 0,
      disabledStillThere: 0,
    });
    // Strangers are reported, not removed (another system may own them).
    const strangers = await registrarSql.query("SELECT count(*)::int AS n FROM subscriber WHERE username = ANY($1)", [
      drift.strangers,
    ]);
    expect(strangers.rows[0]?.n).toBe(drift.strangers.length);

    // Planted again (as every benchmark run does): the trunks disabled last time, which the run removed from the
    // registrar, are picked again and must again be able to authenticate there while disabled in the portal.
    await undoPortalDrift(portal);
    const again = await plantDrift(portal, registrarSql, 20);
    expect(names(again.disabled).sort()).toEqual(names(drift.disabled).sort());
    const stillThere = await registrarSql.query<{ username: string }>(
      "SELECT DISTINCT username FROM subscriber WHERE username = ANY($1)",
      [names(again.disabled)],
    );
    expect(stillThere.rows.map((row) => row.username).sort()).toEqual(names(again.disabled).sort());
  }, 300_000);
});
