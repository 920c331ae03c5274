/**
 * The reference Kamailio configuration, for real (Kamailio + PostgreSQL + SIPp as trunk PBXs and as the carrier), on
 * calls: outbound calls and their limits (call limit, dial permission, caller ID, emergency numbers, INVITE
 * authentication) and inbound calls from the carrier to a registered trunk's DIDs. All SIP traffic stays on
 * 127.0.0.1. Registration: kamailio-register.test.ts.
 */
import { afterAll, describe, expect, it } from "vitest";
import { kamailioForThisFile } from "../support/kamailio-suite";
import { removeSippArtifacts, sippCalls } from "../support/sipp";

const REALM = "sip.trunks.test";
const suite = kamailioForThisFile(REALM);
const { trunk, registeredPbx, callThroughCarrier } = suite;

afterAll(() => removeSippArtifacts());

describe("outbound calls", () => {
  it("caps concurrent calls: with a limit of 5, five calls connect and the sixth gets 486", async () => {
    await suite.registrar.put(trunk("limit5", "pw-limit", { callLimit: 5 }));
    // One new call every 200 ms, each held 2.5 s: all six overlap, and they arrive one after the other.
    const { statuses, invites } = await callThroughCarrier(
      { username: "limit5", password: "pw-limit", to: "9195551234", from: "100", calls: 6, rate: 5, holdMs: 2500 },
      5,
    ).catch((e) => {
      throw new Error(`${e}\n${suite.kamailio.logTail()}`);
    });
    expect(statuses).toEqual([200, 200, 200, 200, 200, 486]);
    expect(invites).toHaveLength(5);
    expect(await suite.kamailio.rpc("dlg.profile_get_size", ["calls", "limit5"])).toBe(0);
  });

  it("US_ONLY: a UK number is refused, a US number reaches the carrier with the forced caller ID", async () => {
    await suite.registrar.put(trunk("usonly", "pw-us", { dialPermission: "US_ONLY" }));
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
    await suite.registrar.put(trunk(username, "pw-perm", { dialPermission, allowedCountries: [...allowedCountries] }));
    const result = await callThroughCarrier(
      { username, password: "pw-perm", to, from: "100" },
      expected === 200 ? 1 : 0,
    );
    expect(result.statuses).toEqual([expected]);
  });

  it("emergency calls go through whatever the permission, with the caller ID still forced", async () => {
    await suite.registrar.put(trunk("emergency", "pw-911", { dialPermission: "COUNTRIES", allowedCountries: [] }));
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
    await suite.registrar.put(
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
    await suite.registrar.put(trunk("invite_auth", "right"));
    const wrong = await callThroughCarrier(
      { username: "invite_auth", password: "wrong", to: "9195551234", from: "1" },
      0,
    );
    expect(wrong.statuses).toEqual([403]);
  });
});

describe("inbound calls from the carrier", () => {
  it("routes a DID to the registered trunk that owns it, 404 for an unknown DID, 480 when not registered", async () => {
    await suite.registrar.put(trunk("inbound", "pw-in", { dids: ["+19193333333"] }));
    await suite.registrar.put(trunk("inbound_offline", "pw-off", { dids: ["+19193339999"] }));

    const pbx = await registeredPbx("inbound", "pw-in");
    try {
      expect(pbx.registerStatus).toBe(200);
      // The carrier calls from its own address (CARRIER), without authentication.
      const fromCarrier = (to: string) =>
        sippCalls({
          proxyPort: suite.kamailio.sipPort,
          localPort: suite.kamailio.carrierPort,
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
    await suite.registrar.put(trunk("mixed_limit", "pw-mixed", { callLimit: 5, dids: ["+19193335555"] }));
    const pbx = await registeredPbx("mixed_limit", "pw-mixed");
    try {
      expect(pbx.registerStatus).toBe(200);
      // The carrier calls the trunk's DID and the PBX answers; the call stays up while the trunk dials out.
      const inbound = sippCalls({
        proxyPort: suite.kamailio.sipPort,
        localPort: suite.kamailio.carrierPort,
        domain: REALM,
        to: "+19193335555",
        from: "+19194444444",
        holdMs: 9000,
      });
      await expect
        .poll(() => suite.kamailio.rpc("dlg.profile_get_size", ["calls", "mixed_limit"]), { timeout: 5000 })
        .toBe(1);
      // Outbound calls only need to be counted, not answered: they ring at the carrier (whose port the inbound
      // call's SIPp holds and ignores them) until the proxy's 5 s timer gives them a 408.
      const outbound = await sippCalls({
        proxyPort: suite.kamailio.sipPort,
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
    await expect.poll(() => suite.kamailio.rpc("dlg.profile_get_size", ["calls", "mixed_limit"])).toBe(0);
  });
});
