import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeCommand } from "../../lib/commands";
import { createDemoAccount } from "../../lib/customers";
import type { Db } from "../../lib/db";
import { createKamailioSqlRegistrar } from "../../lib/registrar/kamailio-sql";
import { ensureRegistrarSchema } from "../../lib/registrar/schema";
import { syncTrunk } from "../../lib/registrar/sync";
import type { Registrar } from "../../lib/registrar/types";
import { resetTrunkPassword } from "../../lib/trunks";
import { COUNT_CAP, listTrunks, syncStateCounts, TRUNKS_PER_PAGE } from "../../lib/trunks/list";
import { liveRegistration, trunkLiveStatus } from "../../lib/trunks/live-status";
import { changeConfirmation } from "../../lib/trunks/live-status-view";
import { createTestDatabase } from "../support/database";
import { contextFor, createActor, createPortalDatabase } from "../support/portal";
import { startTcpProxy, urlThroughProxy } from "../support/tcp-proxy";

const HOST = "Sip1.LiveStatus.example";
let db: Db;
let registrarUrl: string;
let registrar: Registrar;

// No worker: each sync runs when a test says so (syncTrunk), so "before" and "after" are certain.
beforeAll(async () => {
  ({ db } = await createPortalDatabase("livestatus"));
  await db.sipServer.create({ data: { hostname: HOST, realm: "sip1.livestatus.example", label: "US" } });
  registrarUrl = await createTestDatabase("registrar");
  await ensureRegistrarSchema(registrarUrl);
  registrar = createKamailioSqlRegistrar(registrarUrl);
});
afterAll(async () => {
  await registrar?.close();
  await db?.$disconnect();
});

async function demoTrunk(company: string) {
  const result = await executeCommand(createDemoAccount, contextFor(db, await createActor(db, "SALES")), {
    company,
    contactName: "Pat",
    contactEmail: `${company.toLowerCase().replace(/\W/g, "")}-${Date.now()}@customer.example`,
  });
  if (!result.ok) throw new Error(result.formError);
  return result.value.trunk;
}

const loadTrunk = (trunkId: string) =>
  db.trunk.findUniqueOrThrow({ where: { id: trunkId }, include: { servers: { include: { server: true } } } });

describe("a password reset on the trunk page", () => {
  it("is confirmed exactly when the registrar holds the new password, not before", async () => {
    const trunk = await demoTrunk("Confirm Co");
    expect(await syncTrunk(db, registrar, trunk.id)).toEqual({ outcome: "synced" });
    const reset = await executeCommand(resetTrunkPassword, contextFor(db, await createActor(db, "SUPPORT")), {
      trunkId: trunk.id,
    });
    if (!reset.ok) throw new Error(reset.formError);
    const registrarHa1 = async () => (await registrar.snapshots([trunk.username]))[0]?.ha1;

    const before = await trunkLiveStatus(registrar, await loadTrunk(trunk.id), "staff");
    expect(changeConfirmation(before.sync, reset.value.syncVersion)).toBe("waiting");
    // True at that moment: the registrar still has the old password's digest.
    expect(await registrarHa1()).not.toBe((await loadTrunk(trunk.id)).servers[0]?.ha1);

    expect(await syncTrunk(db, registrar, trunk.id)).toEqual({ outcome: "synced" });
    const after = await trunkLiveStatus(registrar, await loadTrunk(trunk.id), "staff");
    expect(changeConfirmation(after.sync, reset.value.syncVersion)).toBe("confirmed");
    expect(await registrarHa1()).toBe((await loadTrunk(trunk.id)).servers[0]?.ha1);
  });
});

describe("the live status", () => {
  it("tells staff the registrar's error and customers only what it means", async () => {
    const trunk = await demoTrunk("Error Text Co");
    await db.trunk.update({
      where: { id: trunk.id },
      data: { syncState: "FAILED", syncError: "connect ECONNREFUSED 10.0.0.5:5432", syncNextAttemptAt: new Date() },
    });
    const staff = await trunkLiveStatus(registrar, await loadTrunk(trunk.id), "staff");
    const customer = await trunkLiveStatus(registrar, await loadTrunk(trunk.id), "customer");
    expect(staff.sync).toMatchObject({ state: "FAILED", error: "connect ECONNREFUSED 10.0.0.5:5432" });
    expect(customer.sync).toMatchObject({ state: "FAILED", error: null });
    expect(JSON.stringify(customer)).not.toContain("ECONNREFUSED");
  });

  it("says the registrar is not answering after the timeout when its database hangs, with one query for all", async () => {
    const proxy = await startTcpProxy({ targetPort: Number(new URL(registrarUrl).port) });
    const throughProxy = createKamailioSqlRegistrar(urlThroughProxy(registrarUrl, proxy));
    try {
      expect(await liveRegistration(throughProxy, "nobody123456", [HOST], 2000)).toEqual({
        state: "ok",
        registrations: [],
      });
      await proxy.stall();
      const accepted = proxy.accepted;
      const started = Date.now();
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => liveRegistration(throughProxy, "hungtrunk123", [HOST], 500)),
      );
      expect(Date.now() - started).toBeLessThan(5000);
      for (const answer of answers) {
        expect(answer).toEqual({ state: "not-answering", error: "The registrar did not answer within 0.5 seconds." });
      }
      // The eight viewers' polls waited on one query, not eight connections' worth of them.
      expect(proxy.accepted - accepted).toBeLessThanOrEqual(1);
    } finally {
      await proxy.start();
      await throughProxy.close();
      await proxy.stop();
    }
  });
});

describe("trunks by sync state", () => {
  it("are counted per state and listed newest first, failing ones together, in keyset pages", async () => {
    const { db: fresh } = await createPortalDatabase("syncstates");
    try {
      const customer = await fresh.customer.create({
        data: { company: "Many", contactName: "M", contactEmail: "m@x.example" },
      });
      const states = ["SYNCED", "PENDING", "FAILED", "NEEDS_ATTENTION"] as const;
      // 3 of each state, then enough synced ones to need a second page.
      const rows = [...states.flatMap((state) => [state, state, state]), ...Array(TRUNKS_PER_PAGE).fill("SYNCED")];
      for (const [i, syncState] of rows.entries()) {
        await fresh.trunk.create({
          data: {
            customerId: customer.id,
            username: `state${String(i).padStart(6, "0")}`,
            passwordCiphertext: "x",
            passwordKeyId: "k",
            callLimit: 5,
            dialPermission: "US_ONLY",
            callerIdPolicy: "FORCED",
            forcedCallerId: "+12025550100",
            syncState,
          },
        });
      }
      expect(await syncStateCounts(fresh)).toEqual({
        SYNCED: 3 + TRUNKS_PER_PAGE,
        PENDING: 3,
        FAILED: 3,
        NEEDS_ATTENTION: 3,
      });
      const failing = await listTrunks(fresh, { sync: "failing" });
      expect(failing.trunks.map((trunk) => trunk.syncState).sort()).toEqual([
        "FAILED",
        "FAILED",
        "FAILED",
        "NEEDS_ATTENTION",
        "NEEDS_ATTENTION",
        "NEEDS_ATTENTION",
      ]);
      expect(failing.next).toBeUndefined();
      const first = await listTrunks(fresh, { sync: "SYNCED" });
      expect(first.trunks).toHaveLength(TRUNKS_PER_PAGE);
      expect(first.trunks.every((trunk) => trunk.syncState === "SYNCED")).toBe(true);
      const second = await listTrunks(fresh, { sync: "SYNCED", before: first.next });
      expect(second.trunks).toHaveLength(3);
      expect(new Set([...first.trunks, ...second.trunks].map((trunk) => trunk.id)).size).toBe(TRUNKS_PER_PAGE + 3);
      const ids = [...first.trunks, ...second.trunks].map((trunk) => trunk.id);
      expect(ids).toEqual([...ids].sort().reverse());

      // A count stops past the cap instead of walking every synced trunk.
      await fresh.$executeRaw`
        INSERT INTO "Trunk" ("id", "customerId", "username", "passwordCiphertext", "passwordKeyId", "callLimit",
          "dialPermission", "callerIdPolicy", "forcedCallerId", "syncState", "updatedAt")
        SELECT 'bulk' || n, ${customer.id}, 'bulk' || lpad(n::text, 8, '0'), 'x', 'k', 5, 'US_ONLY', 'FORCED',
          '+12025550100', 'SYNCED', now()
        FROM generate_series(1, ${COUNT_CAP + 10}) AS n`;
      expect((await syncStateCounts(fresh)).SYNCED).toBe(COUNT_CAP + 1);
    } finally {
      await fresh.$disconnect();
    }
  });
});
