/**
 * Reconciliation in batches: 10,000 trunks compared with the registrar in username-ordered batches of 500, with
 * drift of every kind planted across the whole range, all of it found and repaired (strangers only reported),
 * progress reported after every batch. (bench/reconciliation.ts runs the same at a million trunks; 50,000 here took
 * over three minutes on a busy 2-core machine, mostly seeding, which is too long for the suite.)
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plantDrift, remainingDrift } from "../../bench/support/drift";
import { seedPortal } from "../../bench/support/seed";
import type { Db } from "../../lib/db";
import { Prisma } from "../../lib/generated/prisma/client";
import { createKamailioSqlRegistrar } from "../../lib/registrar/kamailio-sql";
import { reconcile } from "../../lib/registrar/reconcile";
import { ensureRegistrarSchema } from "../../lib/registrar/schema";
import { loadTrunksForSync, subscriberFor } from "../../lib/registrar/sync";
import { createTestDatabase } from "../support/database";
import { createPortalDatabase } from "../support/portal";

const TRUNKS = 10_000;
const BATCH = 500;

let db: Db;
let portal: pg.Pool;
let registrarSql: pg.Pool;
let registrar: ReturnType<typeof createKamailioSqlRegistrar>;

beforeAll(async () => {
  let url: string;
  ({ db, url } = await createPortalDatabase("reconcile_scale"));
  await seedPortal(url, { customers: 1_000, trunks: TRUNKS, bigCustomers: 2, bigCustomerTrunks: 2_000 });
  const registrarUrl = await createTestDatabase("reconcile_scale_registrar");
  await ensureRegistrarSchema(registrarUrl);
  registrar = createKamailioSqlRegistrar(registrarUrl);
  portal = new pg.Pool({ connectionString: url, max: 2 });
  registrarSql = new pg.Pool({ connectionString: registrarUrl, max: 2 });
  // The registrar as the worker's syncs leave it: every trunk's subscriber rows, written in batches.
  for (let after = ""; ; ) {
    const trunks = await loadTrunksForSync(
      db,
      Prisma.sql`t.username > ${after}`,
      Prisma.sql`ORDER BY t.username LIMIT 5000`,
    );
    if (trunks.length === 0) break;
    const failed = (await registrar.apply(trunks.map((trunk) => ({ put: subscriberFor(trunk) })))).find(Boolean);
    if (failed) throw failed;
    after = trunks[trunks.length - 1]?.username ?? after;
  }
}, 300_000);
afterAll(async () => {
  await portal?.end();
  await registrarSql?.end();
  await registrar?.close();
  await db?.$disconnect();
});

describe("reconciliation of 10,000 trunks", () => {
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
  }, 300_000);
});
