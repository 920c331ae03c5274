/**
 * The fraud guard in the reference Kamailio, each limit placed for real with SIPp: the provider-wide blocked
 * prefixes, calls per second, calls per day and minutes per day (from the call records), and a suspension; emergency
 * calls always pass. Then the portal's half: limits set by staff, the suspension after a crossed daily cap with its
 * emails, and staff lifting it.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "@/lib/auth/policy";
import { executeCommand } from "@/lib/commands";
import type { Db } from "@/lib/db";
import type { SubscriberAttributes } from "@/lib/registrar/types";
import { updateProviderSettings } from "@/lib/settings";
import { revealTrunkPassword } from "@/lib/trunks";
import { liftOutboundSuspension, setFraudLimits, suspendTrunksOverDailyCaps } from "@/lib/trunks/fraud-guard";
import { contextFor, createActor, createDemoTrunk, createPortalDatabase, startTestWorker } from "../support/portal";
import { type RegistrarEnvironment, startRegistrarEnvironment } from "../support/registrar-env";
import { subscriber } from "../support/subscribers";

const REALM = "sip1.fraud.test";

let env: RegistrarEnvironment;
let db: pg.Client;

beforeAll(async () => {
  env = await startRegistrarEnvironment({ realm: REALM });
  await env.registrar.putProviderPolicy({ serverNames: [], blockedPrefixes: ["+882", "+53"] });
  db = new pg.Client({ connectionString: env.databaseUrl });
  await db.connect();
});

afterAll(async () => {
  await db?.end();
  await env?.stop();
});

let trunks = 0;
/** A fresh international trunk with these fraud-guard attributes; returns a caller for it. */
async function trunkWith(attributes: Partial<SubscriberAttributes>) {
  const username = `fraud_${++trunks}`;
  await env.registrar.put(subscriber(username, "pw-fraud", REALM, { dialPermission: "INTERNATIONAL", ...attributes }));
  return {
    username,
    call: (to: string, expectedAtCarrier: number, extra: { calls?: number; rate?: number; holdMs?: number } = {}) =>
      env.callThroughCarrier(
        { username, password: "pw-fraud", from: "100", domain: REALM, to, ...extra },
        expectedAtCarrier,
      ),
  };
}

const reasonsOf = (result: { replies: ({ statusLine: string } | null)[] }) =>
  result.replies.filter((reply) => reply !== null).map((reply) => reply.statusLine);

describe("fraud guard", () => {
  it("refuses destinations on the provider's block list, whatever the dial permission", async () => {
    const trunk = await trunkWith({});
    const blocked = await trunk.call("+88212345678", 0);
    expect(blocked.statuses).toEqual([403]);
    expect(reasonsOf(blocked)).toEqual(["SIP/2.0 403 Forbidden (Destination Blocked)"]);
    expect((await trunk.call("+442071234567", 1)).statuses).toEqual([200]);
  });

  it("limits calls per second with 503", async () => {
    const trunk = await trunkWith({ maxCallsPerSecond: 2 });
    // Five calls within about 100 ms: at most two per second pass (four if the burst straddles a second); no carrier
    // answers them here, the point is the ones refused at once.
    const result = await trunk.call("+442071234567", 0, { calls: 5, rate: 50, holdMs: 100 });
    const refused = result.statuses.filter((status) => status === 503).length;
    expect(refused).toBeGreaterThanOrEqual(1);
    expect(result.statuses.filter((status) => status !== 503).length).toBeLessThanOrEqual(4);
    expect(new Set(reasonsOf(result).filter((line) => line.includes("503")))).toEqual(
      new Set(["SIP/2.0 503 Service Unavailable (Calls Per Second Limit)"]),
    );
  });

  it("stops answered calls at the daily call cap, and counts again from a lifted suspension", async () => {
    const trunk = await trunkWith({ maxCallsPerDay: 2 });
    expect((await trunk.call("+442071234567", 2, { calls: 2, rate: 10 })).statuses).toEqual([200, 200]);
    await expect
      .poll(async () => (await env.registrar.callRecords({ username: trunk.username, limit: 5 })).length, {
        timeout: 15_000,
      })
      .toBe(2);
    const third = await trunk.call("+442071234567", 0);
    expect(third.statuses).toEqual([403]);
    expect(reasonsOf(third)).toEqual(["SIP/2.0 403 Forbidden (Daily Call Limit)"]);

    // Staff lifted it: the day's count starts again from then.
    await env.registrar.put(
      subscriber(trunk.username, "pw-fraud", REALM, {
        dialPermission: "INTERNATIONAL",
        maxCallsPerDay: 2,
        capCountingSince: Math.ceil(Date.now() / 1000) + 1,
      }),
    );
    expect((await trunk.call("+442071234567", 1)).statuses).toEqual([200]);
  });

  it("stops calls at the daily minutes cap, from the call records", async () => {
    const trunk = await trunkWith({ maxMinutesPerDay: 1 });
    expect((await trunk.call("+442071234567", 1)).statuses).toEqual([200]);
    await expect
      .poll(async () => (await env.registrar.callRecords({ username: trunk.username, limit: 5 })).length, {
        timeout: 15_000,
      })
      .toBe(1);
    // Earlier today this trunk talked for 61 seconds (a call of that length, recorded as Kamailio records it).
    await db.query(
      `INSERT INTO acc (method, callid, sip_code, sip_reason, time, trunk, direction)
       VALUES ('INVITE', 'long-call', '200', 'OK', now() AT TIME ZONE 'UTC' - interval '70 seconds', $1, 'out'),
              ('BYE', 'long-call', '200', 'OK', now() AT TIME ZONE 'UTC' - interval '9 seconds', NULL, NULL)`,
      [trunk.username],
    );
    const refused = await trunk.call("+442071234567", 0);
    expect(reasonsOf(refused)).toEqual(["SIP/2.0 403 Forbidden (Daily Minutes Limit)"]);
  });

  it("refuses every outbound call of a suspended trunk, except emergency calls", async () => {
    const trunk = await trunkWith({ outboundSuspended: "daily call limit reached" });
    const refused = await trunk.call("+442071234567", 0);
    expect(reasonsOf(refused)).toEqual(["SIP/2.0 403 Forbidden (Outbound Calling Suspended)"]);
    expect((await trunk.call("911", 1)).statuses).toEqual([200]);
  });
});

describe("fraud guard through the portal", () => {
  const HOSTNAME = "Sip1.Fraud.test";
  let portal: Db;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let portalEnv: RegistrarEnvironment;
  let admin: Actor;
  let sales: Actor;
  let support: Actor;

  beforeAll(async () => {
    let url: string;
    ({ db: portal, url } = await createPortalDatabase("fraud_guard"));
    await portal.sipServer.create({ data: { hostname: HOSTNAME, realm: REALM, label: "x", credentialCheck: false } });
    admin = await createActor(portal, "ADMIN");
    sales = await createActor(portal, "SALES");
    support = await createActor(portal, "SUPPORT");
    worker = await startTestWorker({ db: portal, url });
    portalEnv = await startRegistrarEnvironment({ realm: REALM, databaseUrl: worker.registrarUrl });
  });

  afterAll(async () => {
    await portalEnv?.stop();
    await worker?.stop();
    await portal?.$disconnect();
  });

  const synced = (trunkId: string) =>
    expect
      .poll(async () => (await portal.trunk.findUniqueOrThrow({ where: { id: trunkId } })).syncState, {
        timeout: 15_000,
      })
      .toBe("SYNCED");

  it("a crossed daily cap suspends outbound calls, emails support and the customer, until staff lift it", async () => {
    const trunk = await createDemoTrunk(portal, sales, "Capped Co");
    const limits = await executeCommand(setFraudLimits, contextFor(portal, sales), {
      trunkId: trunk.id,
      maxCallsPerDay: "1",
      maxCallsPerSecond: "",
      maxMinutesPerDay: "",
    });
    expect(limits.ok).toBe(true);
    await synced(trunk.id);
    const revealed = await executeCommand(revealTrunkPassword, contextFor(portal, support), { trunkId: trunk.id });
    if (!revealed.ok) throw new Error(revealed.formError);
    const call = (to: string, atCarrier: number) =>
      portalEnv.callThroughCarrier(
        { username: trunk.username, password: revealed.value.password, from: "100", domain: HOSTNAME, to },
        atCarrier,
      );

    // The cap counts call records, which Kamailio writes as transactions complete: wait for the first one.
    const recorded = async () => (await worker.registrar.callRecords({ username: trunk.username, limit: 10 })).length;
    expect((await call("9195551234", 1)).statuses).toEqual([200]);
    await expect.poll(recorded, { timeout: 15_000 }).toBe(1);
    expect((await call("9195551234", 0)).replies[0]?.statusLine).toBe("SIP/2.0 403 Forbidden (Daily Call Limit)");

    // The scan (every minute in production) suspends the trunk once the refusal is recorded, and mails both sides.
    await expect.poll(() => suspendTrunksOverDailyCaps(portal, worker.registrar), { timeout: 15_000 }).toBe(1);
    expect(await suspendTrunksOverDailyCaps(portal, worker.registrar)).toBe(0);
    const suspended = await portal.trunk.findUniqueOrThrow({ where: { id: trunk.id } });
    expect(suspended.outboundSuspendedReason).toBe("daily call limit reached");
    const mails = await portal.mail.findMany({
      where: { trunkId: trunk.id, kind: { startsWith: "trunk.outbound-suspended" } },
    });
    expect(mails.map((mail) => mail.to).sort()).toEqual(["capped-co@demo.example", "support@example.com"]);
    await synced(trunk.id);
    expect((await call("9195551234", 0)).replies[0]?.statusLine).toBe(
      "SIP/2.0 403 Forbidden (Outbound Calling Suspended)",
    );

    const lifted = await executeCommand(liftOutboundSuspension, contextFor(portal, support), { trunkId: trunk.id });
    expect(lifted.ok).toBe(true);
    expect(await portal.auditLog.count({ where: { action: "trunk.lift-suspension", targetId: trunk.id } })).toBe(1);
    await synced(trunk.id);
    expect((await call("9195551234", 1)).statuses).toEqual([200]);
  });

  it("the provider's blocked destinations reach the registrar from the settings", async () => {
    const demo = await createDemoTrunk(portal, sales, "Blocked Co");
    await synced(demo.id);
    const settings = await portal.providerSettings.findUniqueOrThrow({ where: { id: 1 } });
    const saved = await executeCommand(updateProviderSettings, contextFor(portal, admin), {
      ...settings,
      forcedCallerIdName: settings.forcedCallerIdName ?? "",
      blockedPrefixes: "+1919 +882",
    });
    expect(saved.ok).toBe(true);
    const registrarDb = new pg.Client({ connectionString: worker.registrarUrl });
    await registrarDb.connect();
    try {
      await expect
        .poll(async () => (await registrarDb.query("SELECT prefix FROM blocked_prefix ORDER BY 1")).rows, {
          timeout: 15_000,
        })
        .toEqual([{ prefix: "+1919" }, { prefix: "+882" }]);
    } finally {
      await registrarDb.end();
    }
    const revealed = await executeCommand(revealTrunkPassword, contextFor(portal, support), {
      trunkId: demo.id,
    });
    if (!revealed.ok) throw new Error(revealed.formError);
    const refused = await portalEnv.callThroughCarrier(
      {
        username: demo.username,
        password: revealed.value.password,
        from: "100",
        domain: HOSTNAME,
        to: "9195551234",
      },
      0,
    );
    expect(refused.replies[0]?.statusLine).toBe("SIP/2.0 403 Forbidden (Destination Blocked)");
  });
});
