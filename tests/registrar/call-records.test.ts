/**
 * Call records with reasons: the reference Kamailio records every call of a trunk (acc) with its final answer, and
 * the portal's calls page (lib/calls, read through the registrar interface) says why each one failed. Every refusal
 * the registrar makes is placed here for real with SIPp and must appear with its plain-language reason.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trunkCalls } from "@/lib/calls";
import type { TrunkForExplanations } from "@/lib/registrar/refusals";
import { type RegistrarEnvironment, startRegistrarEnvironment } from "../support/registrar-env";
import { sippCalls } from "../support/sipp";
import { subscriber } from "../support/subscribers";

const REALM = "sip1.calls.test";
const SERVER = "Sip1.Calls.test";

let env: RegistrarEnvironment;

const demo: TrunkForExplanations & { username: string } = {
  username: "calls_demo",
  isDemo: true,
  dialPermission: "US_ONLY",
  allowedCountries: [],
  callLimit: 2,
};
const own: TrunkForExplanations & { username: string } = {
  username: "calls_own",
  isDemo: false,
  dialPermission: "US_CANADA",
  allowedCountries: [],
  callLimit: 5,
};

beforeAll(async () => {
  env = await startRegistrarEnvironment({ realm: REALM });
  await env.registrar.putProviderPolicy({ serverNames: [SERVER], blockedPrefixes: [] });
  await env.registrar.put(subscriber("calls_demo", "pw-demo", REALM, { callLimit: 2 }));
  await env.registrar.put(
    subscriber("calls_own", "pw-own", REALM, {
      dialPermission: "US_CANADA",
      callerIdPolicy: "OWN_DIDS",
      forcedCallerId: null,
      dids: ["+19193333333"],
    }),
  );

  const fromDemo = { username: "calls_demo", password: "pw-demo", from: "9193333333", domain: SERVER };
  // Answered and held a little over a second, so it has a duration.
  expect((await env.callThroughCarrier({ ...fromDemo, to: "9195551234", holdMs: 1200 }, 1)).statuses).toEqual([200]);
  expect(
    (await env.callThroughCarrier({ ...fromDemo, to: "9195551234", domain: SERVER.toLowerCase() }, 0)).statuses,
  ).toEqual([404]);
  expect((await env.callThroughCarrier({ ...fromDemo, to: "+442071234567" }, 0)).statuses).toEqual([403]);
  expect((await env.callThroughCarrier({ ...fromDemo, to: "5551234" }, 0)).statuses).toEqual([403]);
  // Three overlapping calls on a two-call trunk: the third is refused.
  expect(
    (await env.callThroughCarrier({ ...fromDemo, to: "9195551234", calls: 3, rate: 10, holdMs: 1500 }, 2)).statuses,
  ).toEqual([200, 200, 486]);

  const fromOwn = { username: "calls_own", password: "pw-own", domain: SERVER, to: "9195551234" };
  expect((await env.callThroughCarrier({ ...fromOwn, from: "100" }, 0)).statuses).toEqual([403]);
  // Inbound from the carrier to the trunk's DID while its PBX is not registered.
  const inbound = await sippCalls({
    proxyPort: env.kamailio.sipPort,
    localPort: env.kamailio.carrierPort,
    domain: REALM,
    to: "+19193333333",
    from: "+19194444444",
  });
  expect(inbound.statuses).toEqual([480]);

  // Kamailio writes a record as its transaction completes: wait until all of them are in.
  const count = async (username: string) => (await env.registrar.callRecords({ username, limit: 20 })).length;
  for (const deadline = Date.now() + 15_000; ; ) {
    if ((await count("calls_demo")) === 7 && (await count("calls_own")) === 2) break;
    if (Date.now() > deadline) throw new Error("the call records did not all arrive");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

afterAll(async () => {
  await env?.stop();
});

const reasons = async (trunk: typeof demo, outcome?: "answered" | "failed") => {
  const page = await trunkCalls(env.registrar, trunk, { outcome });
  if (page.state !== "ok") throw new Error(page.error);
  return page.calls.map((call) => `${call.direction} ${call.to} ${call.status} — ${call.explanation.text}`);
};

describe("call records with reasons", () => {
  it("shows each of the demo trunk's refusals with its reason, newest first", async () => {
    expect(await reasons(demo, "failed")).toEqual([
      "out 9195551234 486 — 2 of 2 concurrent calls in use",
      "out 5551234 403 — the dialled number is not a valid number: dial +CC…, 1 + 10 digits, 10 digits or 011…",
      "out +442071234567 403 — this demo trunk may call US numbers only",
      `out 9195551234 404 — wrong server name casing: use ${SERVER}`,
    ]);
  });

  it("records answered calls with their duration", async () => {
    const page = await trunkCalls(env.registrar, demo, { outcome: "answered" });
    if (page.state !== "ok") throw new Error(page.error);
    expect(page.calls.map((call) => call.status)).toEqual([200, 200, 200]);
    const first = page.calls.at(-1);
    expect(first?.from).toBe("9193333333");
    expect(first?.durationSeconds).toBeGreaterThanOrEqual(1);
    expect(first?.endedAt).not.toBeNull();
  });

  it("explains a caller ID refusal and an inbound call to an unregistered PBX", async () => {
    expect(await reasons(own)).toEqual([
      "in +19193333333 480 — your PBX was not registered, so the call could not reach it",
      "out 9195551234 403 — the caller ID is not one of this trunk's numbers",
    ]);
  });

  it("pages through the calls with a keyset cursor, without gaps or repeats", async () => {
    const all = await reasons(demo);
    expect(all).toHaveLength(7);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await trunkCalls(env.registrar, demo, { cursor, limit: 3 });
      if (page.state !== "ok") throw new Error(page.error);
      seen.push(...page.calls.map((call) => `${call.direction} ${call.to} ${call.status} — ${call.explanation.text}`));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(all);
  });

  it("deletes records older than the retention limit", async () => {
    expect(await env.registrar.purgeRecords(new Date(Date.now() - 3_600_000))).toBe(0);
    expect(await env.registrar.purgeRecords(new Date(Date.now() + 3_600_000))).toBeGreaterThanOrEqual(9);
    expect(await reasons(demo)).toEqual([]);
  });
});
