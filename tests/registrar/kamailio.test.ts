/**
 * The reference Kamailio configuration, for real: Kamailio 5.6 + PostgreSQL (registrar schema created by
 * ensureRegistrarSchema, provisioned through the SQL adapter only) + SIPp as trunk PBXs and as the carrier.
 * All SIP traffic stays on 127.0.0.1.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKamailioSqlRegistrar } from "@/lib/registrar/kamailio-sql";
import { ensureRegistrarSchema } from "@/lib/registrar/schema";
import type { Registrar, Subscriber, SubscriberAttributes } from "@/lib/registrar/types";
import { createTestDatabase } from "../support/database";
import { type KamailioInstance, startKamailio } from "../support/kamailio";
import {
  type CallsOptions,
  removeSippArtifacts,
  sippCalls,
  sippRegister,
  startRegisteredUas,
  startUas,
} from "../support/sipp";
import { credential as credentialIn, subscriber } from "../support/subscribers";

const REALM = "sip.trunks.test";

const credential = (username: string, password: string, realm = REALM) => credentialIn(username, password, realm);
const trunk = (username: string, password: string, attributes: Partial<SubscriberAttributes> = {}): Subscriber =>
  subscriber(username, password, REALM, attributes);

let databaseUrl: string;
let registrar: Registrar;
const registrationsOf = async (username: string) => (await registrar.registrations([username])).get(username) ?? [];
let kamailio: KamailioInstance;

beforeAll(async () => {
  databaseUrl = await createTestDatabase("registrar");
  expect(await ensureRegistrarSchema(databaseUrl)).toBe(true);
  registrar = createKamailioSqlRegistrar(databaseUrl);
  // Every test comes from 127.0.0.1: keep the ban / flood thresholds out of the way here (tested separately).
  kamailio = await startKamailio({ databaseUrl, realm: REALM, defines: { BAN_FAILS: 10_000, PIKE_DENSITY: 100_000 } });
});

afterAll(async () => {
  await kamailio?.stop();
  await registrar?.close();
  removeSippArtifacts();
});

/** Calls from a trunk through the proxy; the carrier UAS answers those that get through. */
async function callThroughCarrier(options: Omit<CallsOptions, "proxyPort" | "domain">, expectedAtCarrier: number) {
  const carrier =
    expectedAtCarrier > 0 ? await startUas({ port: kamailio.carrierPort, calls: expectedAtCarrier }) : null;
  try {
    const result = await sippCalls({ proxyPort: kamailio.sipPort, domain: REALM, ...options });
    const received = carrier ? await carrier.done : null;
    // The carrier UAS only succeeds when ACK and BYE reached it, i.e. through the proxy (Record-Route).
    if (received) expect(received.run.exitCode, `carrier UAS failed, see ${received.run.dir}`).toBe(0);
    return {
      statuses: result.statuses,
      challenges: result.challenges,
      invites: received?.invites ?? [],
      uacDir: result.run.dir,
    };
  } finally {
    carrier?.stop();
  }
}

const register = (username: string, password: string, extra: { userAgent?: string } = {}) =>
  sippRegister({ proxyPort: kamailio.sipPort, username, password, domain: REALM, ...extra });

/** A registered PBX that answers one inbound call. */
const registeredPbx = (username: string, password: string) =>
  startRegisteredUas({ proxyPort: kamailio.sipPort, username, password, domain: REALM, calls: 1 });

describe("schema", () => {
  it("is created once, with Kamailio's version rows", async () => {
    expect(await ensureRegistrarSchema(databaseUrl)).toBe(false);
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT table_name, table_version FROM version ORDER BY table_name");
      expect(rows).toEqual([
        { table_name: "acc", table_version: 5 },
        { table_name: "location", table_version: 9 },
        { table_name: "location_attrs", table_version: 1 },
        { table_name: "missed_calls", table_version: 4 },
        { table_name: "subscriber", table_version: 7 },
        { table_name: "usr_preferences", table_version: 2 },
        { table_name: "version", table_version: 1 },
      ]);
    } finally {
      await client.end();
    }
  });
});

describe("REGISTER", () => {
  it("accepts the right password and rejects a wrong one or an unknown user after the challenge", async () => {
    await registrar.put(trunk("reg_ok", "P4ssw0rd!"));
    // No credentials → 401 challenge first, in every case; the verdict comes on the authenticated retry.
    expect(await register("reg_ok", "P4ssw0rd!")).toMatchObject({ challenge: 401, status: 200 });
    expect(await register("reg_ok", "wrong")).toMatchObject({ challenge: 401, status: 403 });
    expect(await register("nobody_here", "whatever")).toMatchObject({ challenge: 401, status: 403 });
  });

  it("rejects a disabled subscriber", async () => {
    const subscriber = trunk("reg_disabled", "secret-1");
    await registrar.put(subscriber);
    expect((await register("reg_disabled", "secret-1")).status).toBe(200);
    await registrar.put({ ...subscriber, enabled: false });
    expect((await register("reg_disabled", "secret-1")).status).toBe(403);
    expect((await registrar.snapshots(["reg_disabled"])).length > 0).toBe(false);
    expect(await registrationsOf("reg_disabled")).toEqual([]);
  });

  it("applies a password change immediately, without reloading Kamailio", async () => {
    await registrar.put(trunk("reg_rotate", "old-password"));
    expect((await register("reg_rotate", "old-password")).status).toBe(200);
    await registrar.put(trunk("reg_rotate", "new-password"));
    expect((await register("reg_rotate", "old-password")).status).toBe(403);
    expect((await register("reg_rotate", "new-password")).status).toBe(200);
  });

  it("exposes the live registration (source, user agent, expiry) to the portal and over JSON-RPC", async () => {
    await registrar.put(trunk("reg_live", "secret-2"));
    const before = Date.now();
    const result = await register("reg_live", "secret-2", { userAgent: "FreePBX 16.0.40" });
    expect(result.status).toBe(200);

    const registrations = await registrationsOf("reg_live");
    expect(registrations).toHaveLength(1);
    const [r] = registrations;
    expect(r).toMatchObject({
      username: "reg_live",
      realm: REALM,
      source: `127.0.0.1:${result.localPort}`,
      received: `sip:127.0.0.1:${result.localPort}`,
      userAgent: "FreePBX 16.0.40",
      requestedHost: REALM,
    });
    expect(r?.contact).toContain(`@127.0.0.1:${result.localPort}`);
    // Expires: 300 requested (within the registrar's 30..3600 bounds); timestamps have 1 s resolution.
    expect(r?.expiresAt.getTime()).toBeGreaterThan(before + 295_000);
    expect(r?.expiresAt.getTime()).toBeLessThan(Date.now() + 301_000);

    const dump = JSON.stringify(await kamailio.rpc("ul.dump"));
    expect(dump).toContain(`reg_live@${REALM}`);
  });

  it("counts live registrations for the staff Registrar page, not expired ones", async () => {
    const { liveRegistrations: before } = await registrar.status();
    await registrar.put(trunk("reg_count", "secret-count"));
    expect((await register("reg_count", "secret-count")).status).toBe(200);
    // An expired contact whose row Kamailio has not purged yet.
    const owner = new pg.Client({ connectionString: databaseUrl });
    await owner.connect();
    try {
      await owner.query(
        `INSERT INTO location (ruid, username, domain, contact, expires)
         VALUES ('stale-ruid', 'reg_stale', $1, 'sip:reg_stale@192.0.2.1', (now() AT TIME ZONE 'UTC') - interval '1 minute')`,
        [REALM],
      );
    } finally {
      await owner.end();
    }
    expect(await registrar.status()).toEqual({ liveRegistrations: (before ?? 0) + 1 });
  });

  it("records the server name exactly as the PBX spelled it, so the portal can spot a case mismatch", async () => {
    await registrar.put(trunk("reg_case", "secret-case"));
    // The realm is fixed, so a PBX using another casing of the server name still authenticates and registers…
    const misspelled = "SIP.Trunks.Test";
    const first = await sippRegister({
      proxyPort: kamailio.sipPort,
      username: "reg_case",
      password: "secret-case",
      domain: misspelled,
    });
    expect(first.status).toBe(200);
    // …but the registration remembers the casing it used (the AOR itself is always username@REALM).
    expect(await registrationsOf("reg_case")).toEqual([
      expect.objectContaining({ realm: REALM, requestedHost: misspelled, source: `127.0.0.1:${first.localPort}` }),
    ]);

    // Fixing the PBX: the refresh from the same contact replaces the recorded name instead of adding one.
    const fixed = await sippRegister({
      proxyPort: kamailio.sipPort,
      username: "reg_case",
      password: "secret-case",
      domain: REALM,
      localPort: first.localPort,
    });
    expect(fixed.status).toBe(200);
    expect(await registrationsOf("reg_case")).toEqual([expect.objectContaining({ requestedHost: REALM })]);
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT aname, avalue FROM location_attrs WHERE username = 'reg_case'");
      expect(rows).toEqual([{ aname: "requested_host", avalue: REALM }]);
    } finally {
      await client.end();
    }

    // A wrong password records nothing.
    expect((await register("reg_case", "not-the-password")).status).toBe(403);
    expect((await registrationsOf("reg_case")).map((r) => r.requestedHost)).toEqual([REALM]);
  });

  it("removes everything on remove()", async () => {
    await registrar.put(trunk("reg_removed", "secret-3", { dids: ["+19195550111"] }));
    expect((await register("reg_removed", "secret-3")).status).toBe(200);
    await registrar.remove("reg_removed");
    await registrar.remove("reg_removed"); // idempotent
    expect((await registrar.snapshots(["reg_removed"])).length > 0).toBe(false);
    expect(await registrationsOf("reg_removed")).toEqual([]);
    expect((await register("reg_removed", "secret-3")).status).toBe(403);
  });
});

describe("adapter", () => {
  it("round-trips subscribers through list() and keeps puts idempotent", async () => {
    const subscriber: Subscriber = {
      username: "adapter_rt",
      enabled: true,
      credentials: [credential("adapter_rt", "pw"), credential("adapter_rt", "pw", "other.realm.test")],
      attributes: {
        callLimit: 12,
        dialPermission: "COUNTRIES",
        allowedCountries: ["DE", "GB"],
        callerIdPolicy: "OWN_DIDS",
        forcedCallerId: null,
        forcedCallerIdName: null,
        dids: ["+19193330001", "+19193330002"],
      },
    };
    await registrar.put(subscriber);
    await registrar.put(subscriber);
    const snapshots = await registrar.snapshots(["adapter_rt"]);
    expect(snapshots.map((s) => s.realm)).toEqual(["other.realm.test", REALM]);
    for (const s of snapshots) expect(s.attributes).toEqual(subscriber.attributes);

    // Dropping a realm removes its credentials and attributes.
    await registrar.put({ ...subscriber, credentials: [credential("adapter_rt", "pw")] });
    const after = await registrar.snapshots(["adapter_rt"]);
    expect(after.map((s) => s.realm)).toEqual([REALM]);
    expect(after[0]?.ha1).toBe(credential("adapter_rt", "pw").ha1);
  });

  it("serialises concurrent puts for the same username", async () => {
    const puts = Array.from({ length: 8 }, (_, i) => registrar.put(trunk("adapter_race", "pw", { callLimit: i + 1 })));
    await Promise.all(puts);
    const snapshot = await registrar.snapshots(["adapter_race"]);
    expect(snapshot).toHaveLength(1);
    // Exactly one row per attribute survived, whatever the order.
    expect(snapshot[0]?.attributes.callLimit).toBeGreaterThanOrEqual(1);
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query(
        "SELECT attribute, count(*)::int AS n FROM usr_preferences WHERE uuid = 'adapter_race' GROUP BY attribute ORDER BY attribute",
      );
      expect(rows).toEqual([
        { attribute: "call_limit", n: 1 },
        { attribute: "cid_policy", n: 1 },
        { attribute: "dial_permission", n: 1 },
        { attribute: "forced_cid", n: 1 },
        { attribute: "forced_cid_name", n: 1 },
      ]);
    } finally {
      await client.end();
    }
  });

  it("rejects invalid attributes before writing anything", async () => {
    await expect(registrar.put(trunk("adapter_bad", "pw", { callLimit: 0 }))).rejects.toThrow(/callLimit/);
    await expect(registrar.put(trunk("adapter_bad", "pw", { dids: ["9195550100"] }))).rejects.toThrow(/dids/);
    await expect(
      registrar.put(trunk("adapter_bad", "pw", { forcedCallerIdName: "Evil\r\nX-Injected: 1" })),
    ).rejects.toThrow(/control/);
    expect((await registrar.snapshots(["adapter_bad"])).length > 0).toBe(false);
  });
});

describe("outbound calls", () => {
  it("caps concurrent calls: with a limit of 5, five calls connect and the sixth gets 486", async () => {
    await registrar.put(trunk("limit5", "pw-limit", { callLimit: 5 }));
    // One new call every 200 ms, each held 2.5 s: all six overlap, and they arrive one after the other.
    const { statuses, invites } = await callThroughCarrier(
      { username: "limit5", password: "pw-limit", to: "9195551234", from: "100", calls: 6, rate: 5, holdMs: 2500 },
      5,
    ).catch((e) => {
      throw new Error(`${e}\n${kamailio.logTail()}`);
    });
    expect(statuses).toEqual([200, 200, 200, 200, 200, 486]);
    expect(invites).toHaveLength(5);
    expect(await kamailio.rpc("dlg.profile_get_size", ["calls", "limit5"])).toBe(0);
  });

  it("US_ONLY: a UK number is refused, a US number reaches the carrier with the forced caller ID", async () => {
    await registrar.put(trunk("usonly", "pw-us", { dialPermission: "US_ONLY" }));
    const uk = await callThroughCarrier({ username: "usonly", password: "pw-us", to: "+442071234567", from: "100" }, 0);
    expect(uk.statuses).toEqual([403]);

    const us = await callThroughCarrier(
      {
        username: "usonly",
        password: "pw-us",
        to: "9193334444",
        from: "9193333333",
        fromDisplay: "Reception",
        // A PBX trying to assert its own identity: must be replaced, not forwarded.
        extraHeaders: ["P-Asserted-Identity: <sip:+15555550123@evil.test>"],
      },
      1,
    );
    expect(us.statuses).toEqual([200]);
    const [invite] = us.invites;
    expect(invite?.requestUri).toBe("sip:+19193334444@127.0.0.1");
    expect(invite?.from).toMatch(/^\s*"Celito Demo" <sip:\+19195550100@sip\.trunks\.test>;tag=/);
    expect(invite?.pAssertedIdentity?.trim()).toBe(`<sip:+19195550100@${REALM}>`);
  });

  it.each([
    // [permission, allowed countries, destination, expected]
    ["US_ONLY", [], "+14165551234", 403], // Canada (Toronto)
    ["US_ONLY", [], "+16135551234", 403], // Canada (Ottawa)
    ["US_ONLY", [], "18765551234", 403], // Jamaica
    ["US_ONLY", [], "7875551234", 200], // Puerto Rico counts as US
    ["US_ONLY", [], "+16715551234", 200], // Guam counts as US
    ["US_ONLY", [], "8005551234", 200], // toll free
    ["US_ONLY", [], "9005551234", 403], // premium rate
    ["US_ONLY", [], "+13705551234", 403], // an area code no country has yet
    ["US_ONLY", [], "12", 403], // not a number
    ["US_CANADA", [], "6135551234", 200],
    ["US_CANADA", [], "+18095551234", 403], // Dominican Republic
    ["COUNTRIES", ["CA"], "+14165551234", 200], // Toronto, for a trunk open to Canada…
    ["COUNTRIES", ["US"], "+14165551234", 403], // …and not for one open to the US only, though both are +1
    ["COUNTRIES", ["US"], "9195551234", 200],
    ["COUNTRIES", ["CA"], "9195551234", 403],
    ["COUNTRIES", ["US"], "7875551234", 403], // Puerto Rico is its own country here
    ["COUNTRIES", ["BS", "GB"], "+12425551234", 200], // the Bahamas, by area code
    ["COUNTRIES", ["BS", "GB"], "+18765551234", 403], // but not Jamaica
    ["COUNTRIES", ["DE", "GB"], "011442071234567", 200],
    ["COUNTRIES", ["DE", "GB"], "+441534123456", 403], // Jersey shares +44 with the UK
    ["COUNTRIES", ["DE", "GB"], "+33142685300", 403],
    ["COUNTRIES", ["RU"], "+74951234567", 200], // Moscow
    ["COUNTRIES", ["RU"], "+77012345678", 403], // Kazakhstan shares +7
    ["COUNTRIES", ["GB"], "+882123456789", 403], // non-geographic (international networks)
    ["INTERNATIONAL", [], "+861012345678", 200],
    ["INTERNATIONAL", [], "+18765551234", 200],
    ["INTERNATIONAL", [], "+882123456789", 200],
  ] as const)("%s %j → %s: %i", async (dialPermission, allowedCountries, to, expected) => {
    const username = `perm_${dialPermission.toLowerCase()}_${allowedCountries.join("_").toLowerCase() || "none"}`;
    await registrar.put(trunk(username, "pw-perm", { dialPermission, allowedCountries: [...allowedCountries] }));
    const result = await callThroughCarrier(
      { username, password: "pw-perm", to, from: "100" },
      expected === 200 ? 1 : 0,
    );
    expect(result.statuses).toEqual([expected]);
  });

  it("emergency calls go through whatever the permission, with the caller ID still forced", async () => {
    await registrar.put(trunk("emergency", "pw-911", { dialPermission: "COUNTRIES", allowedCountries: [] }));
    const result = await callThroughCarrier({ username: "emergency", password: "pw-911", to: "933", from: "100" }, 1);
    expect(result.statuses).toEqual([200]);
    expect(result.invites[0]?.requestUri).toBe("sip:933@127.0.0.1");
    expect(result.invites[0]?.pAssertedIdentity?.trim()).toBe(`<sip:+19195550100@${REALM}>`);
    // 911 is not mistaken for +91 (India) or any other number.
    const notAllowed = await callThroughCarrier(
      { username: "emergency", password: "pw-911", to: "+919876543210", from: "100" },
      0,
    );
    expect(notAllowed.statuses).toEqual([403]);
  });

  it("OWN_DIDS: a foreign caller ID is refused, one of the trunk's DIDs passes and is asserted in E.164", async () => {
    await registrar.put(
      trunk("owndids", "pw-dids", {
        callerIdPolicy: "OWN_DIDS",
        forcedCallerId: null,
        forcedCallerIdName: null,
        dids: ["+19193331111"],
      }),
    );
    const foreign = await callThroughCarrier(
      { username: "owndids", password: "pw-dids", to: "9194444444", from: "9195550199" },
      0,
    );
    expect(foreign.statuses).toEqual([403]);

    const own = await callThroughCarrier(
      { username: "owndids", password: "pw-dids", to: "9194444444", from: "9193331111" },
      1,
    );
    expect(own.statuses).toEqual([200]);
    expect(own.invites[0]?.from).toContain("<sip:9193331111@");
    expect(own.invites[0]?.pAssertedIdentity?.trim()).toBe(`<sip:+19193331111@${REALM}>`);
  });

  it("challenges an INVITE without credentials (407), refuses wrong ones, accepts right ones", async () => {
    await registrar.put(trunk("invite_auth", "right"));
    const wrong = await callThroughCarrier(
      { username: "invite_auth", password: "wrong", to: "9195551234", from: "1" },
      0,
    );
    expect(wrong.statuses).toEqual([403]);
  });
});

describe("inbound calls from the carrier", () => {
  it("routes a DID to the registered trunk that owns it, 404 for an unknown DID, 480 when not registered", async () => {
    await registrar.put(trunk("inbound", "pw-in", { dids: ["+19193333333"] }));
    await registrar.put(trunk("inbound_offline", "pw-off", { dids: ["+19193339999"] }));

    const pbx = await registeredPbx("inbound", "pw-in");
    try {
      expect(pbx.registerStatus).toBe(200);
      // The carrier calls from its own address (CARRIER), without authentication.
      const fromCarrier = (to: string) =>
        sippCalls({
          proxyPort: kamailio.sipPort,
          localPort: kamailio.carrierPort,
          domain: REALM,
          to,
          from: "+19194444444",
        });

      // Not challenged: the carrier is recognised by its address.
      expect(await fromCarrier("9193333333")).toMatchObject({ challenges: [null], statuses: [200] });
      const { invites } = await pbx.done;
      expect(invites[0]?.requestUri).toMatch(/^sip:\+19193333333@127\.0\.0\.1:\d+/);

      expect((await fromCarrier("+19195550000")).statuses).toEqual([404]); // nobody owns it
      expect((await fromCarrier("+19193339999")).statuses).toEqual([480]);
    } finally {
      pbx.stop();
    }
  });
});

describe("inbound and outbound calls share the call limit", () => {
  it("with a limit of 5, an inbound call and 4 outbound calls fill it: the next outbound call gets 486", async () => {
    await registrar.put(trunk("mixed_limit", "pw-mixed", { callLimit: 5, dids: ["+19193335555"] }));
    const pbx = await registeredPbx("mixed_limit", "pw-mixed");
    try {
      expect(pbx.registerStatus).toBe(200);
      // The carrier calls the trunk's DID and the PBX answers; the call stays up while the trunk dials out.
      const inbound = sippCalls({
        proxyPort: kamailio.sipPort,
        localPort: kamailio.carrierPort,
        domain: REALM,
        to: "+19193335555",
        from: "+19194444444",
        holdMs: 9000,
      });
      await expect
        .poll(() => kamailio.rpc("dlg.profile_get_size", ["calls", "mixed_limit"]), { timeout: 5000 })
        .toBe(1);
      // Outbound calls only need to be counted, not answered: they ring at the carrier (whose port the inbound
      // call's SIPp holds and ignores them) until the proxy's 5 s timer gives them a 408.
      const outbound = await sippCalls({
        proxyPort: kamailio.sipPort,
        domain: REALM,
        username: "mixed_limit",
        password: "pw-mixed",
        to: "9195551234",
        from: "100",
        calls: 5,
        rate: 10,
        responseTimeoutMs: 8000,
      });
      expect(outbound.statuses[4]).toBe(486);
      expect(outbound.statuses.slice(0, 4)).not.toContain(486);
      expect((await inbound).statuses).toEqual([200]);
      expect((await pbx.done).run.exitCode).toBe(0);
    } finally {
      pbx.stop();
    }
    await expect.poll(() => kamailio.rpc("dlg.profile_get_size", ["calls", "mixed_limit"])).toBe(0);
  });
});

describe("OPTIONS ping", () => {
  it("answers 200 for the proxy itself", async () => {
    const { optionsPing } = await import("../support/kamailio");
    expect(await optionsPing(kamailio.sipPort, 1000)).toBe(200);
  });
});

describe("failed-authentication ban", () => {
  it("bans a source IP after BAN_FAILS failures and lets it back in when the ban is lifted", async () => {
    // A second instance on the same database with a low threshold (its ban table is its own).
    const strict = await startKamailio({ databaseUrl, realm: REALM, defines: { BAN_FAILS: 3, BAN_TIME: 60 } });
    try {
      await registrar.put(trunk("banned", "pw-ban"));
      const attempt = (password: string) =>
        sippRegister({
          proxyPort: strict.sipPort,
          username: "banned",
          password,
          domain: REALM,
          responseTimeoutMs: 1200,
        });
      expect((await attempt("wrong-1")).status).toBe(403);
      expect((await attempt("wrong-2")).status).toBe(403);
      expect((await attempt("wrong-3")).status).toBe(403);
      // Banned: even the right password gets no answer at all.
      expect((await attempt("pw-ban")).status).toBe("timeout");
      expect(await strict.rpc("htable.get", ["ipban", "127.0.0.1"])).toBeTruthy();

      await strict.rpc("htable.delete", ["ipban", "127.0.0.1"]);
      expect((await attempt("pw-ban")).status).toBe(200);
    } finally {
      await strict.stop();
    }
  });
});
