/**
 * The fan-out registrar (REGISTRAR_HTTP_URL with two addresses) over two real HTTP registrars speaking the signed
 * provisioning API (tests/support/http-registrar.ts): provider policy reaches both; reads that each registrar answers
 * for its own calls and registrations are combined the way the portal's pages and jobs need them.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createFanOutRegistrar, type FanOutRegistrar } from "../../lib/registrar/fanout";
import { createHttpRegistrar } from "../../lib/registrar/http";
import { TestHttpRegistrar } from "../support/http-registrar";
import { subscriber } from "../support/subscribers";

const SECRET = "a-shared-secret-for-both-test-registrars-0123";
let east: TestHttpRegistrar;
let west: TestHttpRegistrar;
let registrar: FanOutRegistrar;

beforeAll(async () => {
  east = await new TestHttpRegistrar(SECRET).start();
  west = await new TestHttpRegistrar(SECRET).start();
  // As lib/registrar/index.ts builds it from REGISTRAR_HTTP_URL with two addresses (quick retries for the outage).
  registrar = createFanOutRegistrar(
    [east, west].map((member) => createHttpRegistrar({ baseUrl: member.url, secret: SECRET, backoffMs: () => 10 })),
  );
});
afterAll(async () => {
  await registrar?.close();
  await east?.stop();
  await west?.stop();
});
beforeEach(() => {
  for (const member of [east, west]) {
    member.calls = [];
    member.refusals = [];
    member.authFailures = [];
    member.registrations.clear();
    member.listsRegistrations = true;
    member.failNext = 0;
  }
});

const at = (seconds: number) => new Date(Date.UTC(2026, 10, 27, 12, 0, seconds)).toISOString();
const call = (id: string, trunk: string, seconds: number) => ({
  id,
  trunk,
  callId: `call-${id}`,
  direction: "out",
  from: "+12025550100",
  to: "+12025550199",
  at: at(seconds),
  endedAt: null,
  status: 200,
  reason: "OK",
});

describe("the fan-out registrar over two registrars", () => {
  it("writes the provider policy to both, and fails the write when one cannot take it", async () => {
    const policy = { serverNames: ["Sip1.Fan.example", "sip2.fan.example"], blockedPrefixes: ["+882"] };
    await registrar.putProviderPolicy(policy);
    expect(east.providerPolicy).toEqual(policy);
    expect(west.providerPolicy).toEqual(policy);

    // West keeps answering 503: the change is not done (the job retries it), though east took it.
    west.failNext = 100;
    await expect(registrar.putProviderPolicy({ ...policy, blockedPrefixes: [] })).rejects.toThrow();
    expect(west.providerPolicy).toEqual(policy);
  });

  it("lists a trunk's calls from both, newest first, cut to the limit", async () => {
    east.calls = [call("e1", "fantrunk1", 1), call("e3", "fantrunk1", 30), call("ex", "othertrunk", 59)];
    west.calls = [call("w2", "fantrunk1", 20), call("w4", "fantrunk1", 40)];
    const records = await registrar.callRecords({ username: "fantrunk1", limit: 3 });
    expect(records.map((record) => record.id)).toEqual(["w4", "e3", "w2"]);
    expect(records[0]?.at).toEqual(new Date(at(40)));
    // Calls at the same second on both: a stable order (by id, descending), so keyset pages neither skip nor repeat.
    west.calls = [call("b", "fantrunk1", 50)];
    east.calls = [call("a", "fantrunk1", 50), call("c", "fantrunk1", 50)];
    expect((await registrar.callRecords({ username: "fantrunk1", limit: 10 })).map((record) => record.id)).toEqual([
      "c",
      "b",
      "a",
    ]);
  });

  it("reports each trunk's latest refusal, whichever registrar refused it", async () => {
    const reason = "Daily call limit reached";
    east.refusals = [
      { username: "fantrunk1", reason, at: at(10) },
      { username: "fantrunk2", reason, at: at(45) },
    ];
    west.refusals = [
      { username: "fantrunk1", reason, at: at(30) },
      { username: "fantrunk2", reason, at: at(5) },
    ];
    const refusals = await registrar.refusals({ reasons: [reason], since: new Date(at(0)) });
    expect(refusals.sort((a, b) => a.username.localeCompare(b.username))).toEqual([
      { username: "fantrunk1", reason, at: new Date(at(30)) },
      { username: "fantrunk2", reason, at: new Date(at(45)) },
    ]);
  });

  it("adds up failed authentications per username over both, with every source and the whole time span", async () => {
    east.authFailures = [
      { username: "fantrunk1", failures: 6, sources: ["198.51.100.1"], firstAt: at(10), lastAt: at(20) },
      { username: "fantrunk3", failures: 9, sources: ["198.51.100.9"], firstAt: at(1), lastAt: at(2) },
      // Below the threshold on each registrar, over it in all: an attack spread over both is still one attack.
      { username: "fantrunk4", failures: 3, sources: ["192.0.2.4"], firstAt: at(3), lastAt: at(4) },
      { username: "fantrunk5", failures: 2, sources: ["192.0.2.5"], firstAt: at(3), lastAt: at(4) },
    ];
    west.authFailures = [
      { username: "fantrunk1", failures: 5, sources: ["198.51.100.1", "203.0.113.5"], firstAt: at(5), lastAt: at(15) },
      { username: "fantrunk4", failures: 3, sources: ["192.0.2.44"], firstAt: at(6), lastAt: at(7) },
    ];
    const counts = await registrar.authFailures({ since: new Date(at(0)), atLeast: 5 });
    expect(counts.sort((a, b) => a.username.localeCompare(b.username))).toEqual([
      {
        username: "fantrunk1",
        failures: 11,
        sources: ["198.51.100.1", "203.0.113.5"],
        firstAt: new Date(at(5)),
        lastAt: new Date(at(20)),
      },
      {
        username: "fantrunk3",
        failures: 9,
        sources: ["198.51.100.9"],
        firstAt: new Date(at(1)),
        lastAt: new Date(at(2)),
      },
      {
        username: "fantrunk4",
        failures: 6,
        sources: ["192.0.2.4", "192.0.2.44"],
        firstAt: new Date(at(3)),
        lastAt: new Date(at(7)),
      },
    ]);
  });

  it("purges old call records on both and counts what both deleted", async () => {
    east.calls = [call("e1", "fantrunk1", 1), call("e2", "fantrunk1", 50)];
    west.calls = [call("w1", "fantrunk1", 2), call("w2", "fantrunk1", 3), call("w3", "fantrunk1", 55)];
    expect(await registrar.purgeRecords(new Date(at(40)))).toBe(3);
    expect(east.calls.map((kept) => kept.id)).toEqual(["e2"]);
    expect(west.calls.map((kept) => kept.id)).toEqual(["w3"]);
  });

  it("lists a username as registered if it is registered on either, and cannot tell when one cannot list", async () => {
    const registration = (source: string) => ({
      username: "set-up",
      realm: "sip1.fan.example",
      received: null,
      contact: `sip:pbx@${source}`,
      source: `${source}:5060`,
      userAgent: "PBX",
      expiresAt: at(3600),
    });
    east.registrations.set("fantrunk1", [registration("192.0.2.1")]);
    east.registrations.set("fantrunk2", [registration("192.0.2.2")]);
    west.registrations.set("fantrunk2", [registration("192.0.2.3")]);
    west.registrations.set("fantrunk4", [registration("192.0.2.4")]);
    west.registrations.set("fantrunk5", []);
    expect((await registrar.registeredUsernames())?.sort()).toEqual(["fantrunk1", "fantrunk2", "fantrunk4"]);

    // One registrar without GET /registrations: the set is unknown (the registration watch must not announce
    // unregistrations of trunks registered there), not just the other's.
    west.listsRegistrations = false;
    expect(await registrar.registeredUsernames()).toBeNull();
  });
});

describe("a batch one registrar cannot take", () => {
  it("fails only once the other registrar has stopped writing it", async () => {
    // As the HTTP adapter's own lanes (registrar-http.test.ts): nothing of a failed sync may land after its locks are
    // let go, or an older write could follow a newer sync's on the registrar that took it.
    const withoutRetries = createFanOutRegistrar(
      [east, west].map((member) => createHttpRegistrar({ baseUrl: member.url, secret: SECRET, attempts: 1 })),
    );
    const batch = Array.from({ length: 60 }, (_, index) => ({
      put: subscriber(`fanbatch${String(index).padStart(6, "0")}`, "pw", "sip.example.net"),
    }));
    east.failNext = 1;
    const before = west.requests.length;
    await expect(withoutRetries.apply(batch)).rejects.toMatchObject({ status: 503 });
    const written = west.requests.length - before;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(west.requests.length - before).toBe(written);
  });
});
