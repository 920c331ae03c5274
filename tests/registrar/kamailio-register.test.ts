/**
 * The reference Kamailio configuration, for real (Kamailio + PostgreSQL + SIPp as trunk PBXs), on registration: the
 * schema, REGISTER with digest credentials, the adapter's own guarantees, the OPTIONS ping and the
 * failed-authentication ban. All SIP traffic stays on 127.0.0.1. Calls: kamailio-calls.test.ts.
 */
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { ensureRegistrarSchema } from "@/lib/registrar/schema";
import type { Subscriber } from "@/lib/registrar/types";
import { startKamailio } from "../support/kamailio";
import { kamailioForThisFile } from "../support/kamailio-suite";
import { removeSippArtifacts, sippRegister } from "../support/sipp";

const REALM = "sip.trunks.test";
const suite = kamailioForThisFile(REALM);
const { trunk, credential, registrationsOf, register } = suite;

afterAll(() => removeSippArtifacts());

describe("schema", () => {
  it("is created once, with Kamailio's version rows", async () => {
    expect(await ensureRegistrarSchema(suite.databaseUrl)).toBe(false);
    const client = new pg.Client({ connectionString: suite.databaseUrl });
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
    await suite.registrar.put(trunk("reg_ok", "P4ssw0rd!"));
    // No credentials → 401 challenge first, in every case; the verdict comes on the authenticated retry.
    expect(await register("reg_ok", "P4ssw0rd!")).toMatchObject({ challenge: 401, status: 200 });
    expect(await register("reg_ok", "wrong")).toMatchObject({ challenge: 401, status: 403 });
    expect(await register("nobody_here", "whatever")).toMatchObject({ challenge: 401, status: 403 });
  });

  it("rejects a disabled subscriber", async () => {
    const subscriber = trunk("reg_disabled", "secret-1");
    await suite.registrar.put(subscriber);
    expect((await register("reg_disabled", "secret-1")).status).toBe(200);
    await suite.registrar.put({ ...subscriber, enabled: false });
    expect((await register("reg_disabled", "secret-1")).status).toBe(403);
    expect((await suite.registrar.snapshots(["reg_disabled"])).length > 0).toBe(false);
    expect(await registrationsOf("reg_disabled")).toEqual([]);
  });

  it("applies a password change immediately, without reloading Kamailio", async () => {
    await suite.registrar.put(trunk("reg_rotate", "old-password"));
    expect((await register("reg_rotate", "old-password")).status).toBe(200);
    await suite.registrar.put(trunk("reg_rotate", "new-password"));
    expect((await register("reg_rotate", "old-password")).status).toBe(403);
    expect((await register("reg_rotate", "new-password")).status).toBe(200);
  });

  it("exposes the live registration (source, user agent, expiry) to the portal and over JSON-RPC", async () => {
    await suite.registrar.put(trunk("reg_live", "secret-2"));
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

    const dump = JSON.stringify(await suite.kamailio.rpc("ul.dump"));
    expect(dump).toContain(`reg_live@${REALM}`);
  });

  it("counts live registrations for the staff Registrar page, not expired ones", async () => {
    const { liveRegistrations: before } = await suite.registrar.status();
    await suite.registrar.put(trunk("reg_count", "secret-count"));
    expect((await register("reg_count", "secret-count")).status).toBe(200);
    // An expired contact whose row Kamailio has not purged yet.
    const owner = new pg.Client({ connectionString: suite.databaseUrl });
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
    expect(await suite.registrar.status()).toEqual({ liveRegistrations: (before ?? 0) + 1 });
  });

  it("records the server name exactly as the PBX spelled it, so the portal can spot a case mismatch", async () => {
    await suite.registrar.put(trunk("reg_case", "secret-case"));
    // The realm is fixed, so a PBX using another casing of the server name still authenticates and registers…
    const misspelled = "SIP.Trunks.Test";
    const first = await sippRegister({
      proxyPort: suite.kamailio.sipPort,
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
      proxyPort: suite.kamailio.sipPort,
      username: "reg_case",
      password: "secret-case",
      domain: REALM,
      localPort: first.localPort,
    });
    expect(fixed.status).toBe(200);
    expect(await registrationsOf("reg_case")).toEqual([expect.objectContaining({ requestedHost: REALM })]);
    const client = new pg.Client({ connectionString: suite.databaseUrl });
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
    await suite.registrar.put(trunk("reg_removed", "secret-3", { dids: ["+19195550111"] }));
    expect((await register("reg_removed", "secret-3")).status).toBe(200);
    await suite.registrar.remove("reg_removed");
    await suite.registrar.remove("reg_removed"); // idempotent
    expect((await suite.registrar.snapshots(["reg_removed"])).length > 0).toBe(false);
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
    await suite.registrar.put(subscriber);
    await suite.registrar.put(subscriber);
    const snapshots = await suite.registrar.snapshots(["adapter_rt"]);
    expect(snapshots.map((s) => s.realm)).toEqual(["other.realm.test", REALM]);
    for (const s of snapshots) expect(s.attributes).toEqual(subscriber.attributes);

    // Dropping a realm removes its credentials and attributes.
    await suite.registrar.put({ ...subscriber, credentials: [credential("adapter_rt", "pw")] });
    const after = await suite.registrar.snapshots(["adapter_rt"]);
    expect(after.map((s) => s.realm)).toEqual([REALM]);
    expect(after[0]?.ha1).toBe(credential("adapter_rt", "pw").ha1);
  });

  it("serialises concurrent puts for the same username", async () => {
    const puts = Array.from({ length: 8 }, (_, i) =>
      suite.registrar.put(trunk("adapter_race", "pw", { callLimit: i + 1 })),
    );
    await Promise.all(puts);
    const snapshot = await suite.registrar.snapshots(["adapter_race"]);
    expect(snapshot).toHaveLength(1);
    // Exactly one row per attribute survived, whatever the order.
    expect(snapshot[0]?.attributes.callLimit).toBeGreaterThanOrEqual(1);
    const client = new pg.Client({ connectionString: suite.databaseUrl });
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
    await expect(suite.registrar.put(trunk("adapter_bad", "pw", { callLimit: 0 }))).rejects.toThrow(/callLimit/);
    await expect(suite.registrar.put(trunk("adapter_bad", "pw", { dids: ["9195550100"] }))).rejects.toThrow(/dids/);
    await expect(
      suite.registrar.put(trunk("adapter_bad", "pw", { forcedCallerIdName: "Evil\r\nX-Injected: 1" })),
    ).rejects.toThrow(/control/);
    expect((await suite.registrar.snapshots(["adapter_bad"])).length > 0).toBe(false);
  });
});

describe("OPTIONS ping", () => {
  it("answers 200 for the proxy itself", async () => {
    const { optionsPing } = await import("../support/kamailio");
    expect(await optionsPing(suite.kamailio.sipPort, 1000)).toBe(200);
  });
});

describe("failed-authentication ban", () => {
  it("bans a source IP after BAN_FAILS failures and lets it back in when the ban is lifted", async () => {
    // A second instance on the same database with a low threshold (its ban table is its own).
    const strict = await startKamailio({
      databaseUrl: suite.databaseUrl,
      realm: REALM,
      defines: { BAN_FAILS: 3, BAN_TIME: 60 },
    });
    try {
      await suite.registrar.put(trunk("banned", "pw-ban"));
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
