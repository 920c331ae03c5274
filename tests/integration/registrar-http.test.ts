import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpRegistrar, RegistrarHttpError, sign, verifySignature } from "../../lib/registrar/http";
import type { Subscriber } from "../../lib/registrar/types";
import { TestHttpRegistrar } from "../support/http-registrar";

const SECRET = "a-very-long-shared-secret-for-the-test-registrar";
let receiver: TestHttpRegistrar;

beforeAll(async () => {
  receiver = await new TestHttpRegistrar(SECRET).start();
});
afterAll(() => receiver?.stop());

const subscriber: Subscriber = {
  username: "httptrunk123456",
  enabled: true,
  credentials: [{ realm: "sip.example.net", ha1: "a".repeat(32), ha1b: "b".repeat(32) }],
  attributes: {
    callLimit: 5,
    dialPermission: "US_ONLY",
    allowedCountries: [],
    callerIdPolicy: "FORCED",
    forcedCallerId: "+12025550100",
    forcedCallerIdName: null,
    dids: [],
  },
};

const fast = { backoffMs: () => 10 };

describe("the HTTP registrar adapter", () => {
  it("provisions, finds and removes subscribers with signed requests", async () => {
    const registrar = createHttpRegistrar({ baseUrl: receiver.url, secret: SECRET, ...fast });
    await registrar.put(subscriber);
    expect(receiver.subscribers.get(subscriber.username)).toEqual(subscriber);
    expect(await registrar.usernames(null, 100)).toEqual([subscriber.username]);
    expect(await registrar.snapshots([subscriber.username, "someone-else"])).toEqual([
      {
        username: subscriber.username,
        realm: "sip.example.net",
        ha1: "a".repeat(32),
        ha1b: "b".repeat(32),
        attributes: subscriber.attributes,
      },
    ]);
    expect(await registrar.registrations([subscriber.username])).toEqual(new Map([[subscriber.username, []]]));
    await registrar.remove(subscriber.username);
    expect(receiver.subscribers.size).toBe(0);
  });

  it("writes the provider-wide policy whole with one signed PUT", async () => {
    const registrar = createHttpRegistrar({ baseUrl: receiver.url, secret: SECRET, ...fast });
    const before = receiver.requests.length;
    await registrar.putProviderPolicy({
      serverNames: ["Sip1.Example.net", "sip2.example.net"],
      blockedPrefixes: ["+882"],
    });
    expect(receiver.requests.slice(before)).toEqual([{ method: "PUT", path: "/api/provider-policy", status: 204 }]);
    expect(receiver.providerPolicy).toEqual({
      serverNames: ["Sip1.Example.net", "sip2.example.net"],
      blockedPrefixes: ["+882"],
    });
  });

  it("reads a trunk's call records and purges old ones with a signed body", async () => {
    const registrar = createHttpRegistrar({ baseUrl: receiver.url, secret: SECRET, ...fast });
    const call = {
      id: "7",
      callId: "c7",
      direction: "out",
      from: "9193333333",
      to: "+442071234567",
      endedAt: null,
      status: 403,
      reason: "Forbidden (Destination Not Permitted)",
    };
    receiver.calls = [{ ...call, trunk: subscriber.username, at: "2026-11-01T10:00:00.000Z" }];
    expect(await registrar.callRecords({ username: subscriber.username, outcome: "failed", limit: 26 })).toEqual([
      { ...call, at: new Date("2026-11-01T10:00:00.000Z") },
    ]);
    const before = receiver.requests.length;
    expect(await registrar.purgeRecords(new Date("2026-11-02T00:00:00.000Z"))).toBe(1);
    expect(receiver.requests.slice(before)).toEqual([{ method: "POST", path: "/api/records/purge", status: 200 }]);
    expect(receiver.calls).toEqual([]);
  });

  it("reads the day's cap refusals and failed-authentication counts, with their query", async () => {
    const registrar = createHttpRegistrar({ baseUrl: receiver.url, secret: SECRET, ...fast });
    receiver.refusals = [
      { username: "capped1", reason: "Forbidden (Daily Call Limit)", at: "2026-11-01T10:00:00.000Z" },
      { username: "capped2", reason: "Forbidden (Caller ID)", at: "2026-11-01T10:00:00.000Z" },
      { username: "capped3", reason: "Forbidden (Daily Call Limit)", at: "2026-10-30T10:00:00.000Z" },
    ];
    expect(
      await registrar.refusals({
        reasons: ["Forbidden (Daily Call Limit)", "Forbidden (Daily Minutes Limit)"],
        since: new Date("2026-11-01T00:00:00.000Z"),
      }),
    ).toEqual([
      { username: "capped1", reason: "Forbidden (Daily Call Limit)", at: new Date("2026-11-01T10:00:00.000Z") },
    ]);
    const burst = { username: "guessed1", failures: 25, sources: ["192.0.2.1", "192.0.2.2"] };
    receiver.authFailures = [
      { ...burst, firstAt: "2026-11-01T10:00:00.000Z", lastAt: "2026-11-01T10:04:00.000Z" },
      {
        username: "typo",
        failures: 2,
        sources: ["192.0.2.9"],
        firstAt: "2026-11-01T10:00:00.000Z",
        lastAt: "2026-11-01T10:00:00.000Z",
      },
    ];
    expect(await registrar.authFailures({ since: new Date("2026-11-01T09:55:00.000Z"), atLeast: 20 })).toEqual([
      { ...burst, firstAt: new Date("2026-11-01T10:00:00.000Z"), lastAt: new Date("2026-11-01T10:04:00.000Z") },
    ]);
  });

  it("reports its status, and answers without a count when the receiver has no GET /status", async () => {
    const registrar = createHttpRegistrar({ baseUrl: receiver.url, secret: SECRET, ...fast });
    expect(await registrar.status()).toEqual({ liveRegistrations: 0 });
    receiver.answersStatus = false;
    try {
      expect(await registrar.status()).toEqual({ liveRegistrations: null });
    } finally {
      receiver.answersStatus = true;
    }
    receiver.failNext = 5;
    await expect(registrar.status()).rejects.toThrow(/GET \/api\/status answered 503/);
    receiver.failNext = 0;
  });

  it("retries 5xx answers and then succeeds", async () => {
    const registrar = createHttpRegistrar({ baseUrl: receiver.url, secret: SECRET, ...fast });
    receiver.failNext = 2;
    const before = receiver.requests.length;
    await registrar.put(subscriber);
    expect(receiver.requests.slice(before).map((r) => r.status)).toEqual([503, 503, 204]);
  });

  it("gives up after its attempts so the job queue can retry later", async () => {
    const registrar = createHttpRegistrar({ baseUrl: receiver.url, secret: SECRET, attempts: 2, ...fast });
    receiver.failNext = 5;
    await expect(registrar.put(subscriber)).rejects.toMatchObject({ status: 503 });
    receiver.failNext = 0;
  });

  it("does not retry a rejected signature", async () => {
    const registrar = createHttpRegistrar({
      baseUrl: receiver.url,
      secret: "another-secret-that-is-long-enough-too",
      ...fast,
    });
    const before = receiver.requests.length;
    await expect(registrar.put(subscriber)).rejects.toBeInstanceOf(RegistrarHttpError);
    expect(receiver.requests.slice(before).map((r) => r.status)).toEqual([401]);
  });

  it("stops a batch at its first outage, and reports it only once no request of the batch is left in flight", async () => {
    // A sync writes a batch under its trunks' locks; a request still under way after it gave up (and let go of them)
    // could land after a newer sync's write of the same trunk: the registrar would keep the older password.
    const registrar = createHttpRegistrar({ baseUrl: receiver.url, secret: SECRET, attempts: 1, ...fast });
    const batch = Array.from({ length: 40 }, (_, index) => ({
      put: { ...subscriber, username: `batchtrunk${String(index).padStart(6, "0")}` },
    }));
    receiver.failNext = 1;
    const before = receiver.requests.length;
    await expect(registrar.apply(batch)).rejects.toMatchObject({ status: 503 });
    const answered = receiver.requests.length - before;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests.length - before).toBe(answered);
    expect(answered).toBeLessThan(batch.length);
  });

  it("retries when the registrar is unreachable", async () => {
    const registrar = createHttpRegistrar({ baseUrl: "http://127.0.0.1:9/api", secret: SECRET, attempts: 2, ...fast });
    await expect(registrar.put(subscriber)).rejects.toMatchObject({ status: null });
  });
});

describe("live registrations over HTTP", () => {
  it("come back typed, with the server name exactly as the PBX sent it", async () => {
    const registrar = createHttpRegistrar({ baseUrl: receiver.url, secret: SECRET, ...fast });
    receiver.registrations.set(subscriber.username, [
      {
        username: subscriber.username,
        realm: "sip.example.net",
        contact: "sip:httptrunk123456@198.51.100.7:5062;transport=udp",
        received: "sip:203.0.113.9:40112",
        source: "203.0.113.9:40112",
        userAgent: "FPBX-16.0.40(18.9.0)",
        requestedHost: "SIP.example.net",
        expiresAt: "2026-11-27T09:00:00.000Z",
      },
      // An older receiver that does not record the requested host.
      {
        username: subscriber.username,
        realm: "sip.example.net",
        contact: "sip:httptrunk123456@10.0.0.5:5060",
        received: null,
        source: null,
        userAgent: null,
        expiresAt: "2026-11-27T09:30:00.000Z",
      },
    ]);
    const found = await registrar.registrations([subscriber.username, "someone-else"]);
    expect(found.get("someone-else")).toEqual([]);
    const registrations = found.get(subscriber.username) ?? [];
    expect(registrations).toHaveLength(2);
    expect(registrations[0]).toMatchObject({
      contact: "sip:httptrunk123456@198.51.100.7:5062;transport=udp",
      source: "203.0.113.9:40112",
      userAgent: "FPBX-16.0.40(18.9.0)",
      requestedHost: "SIP.example.net",
    });
    expect(registrations[0]?.expiresAt).toEqual(new Date("2026-11-27T09:00:00.000Z"));
    expect(registrations[1]?.requestedHost).toBeNull();
    expect(registrations[1]?.expiresAt.getTime()).toBe(Date.parse("2026-11-27T09:30:00.000Z"));
    // The registration watch's list: who has a live registration at all.
    expect(await registrar.registeredUsernames()).toEqual([subscriber.username]);
  });
});

/** The vectors published in docs/registrar-http-api.md, computed independently with openssl. */
const VECTOR_TIME = 1764230400;
const VECTORS = [
  {
    method: "PUT",
    path: "/api/subscribers/acme123456",
    body: '{"username":"acme123456"}',
    header: "t=1764230400,v1=c65fa1fa3a8ef4aa4d8cf8d56fd7329f6f1bc3dd57e43e6128e293d89bca1d94",
  },
  {
    method: "DELETE",
    path: "/api/subscribers/acme123456",
    body: "",
    header: "t=1764230400,v1=40f67c9124672c4cffec4624c9461263484e714a46d9bc69cab4183e0b955ea4",
  },
  {
    method: "GET",
    path: "/api/subscribers",
    body: "",
    header: "t=1764230400,v1=4d9186abf7f6df8cf1a840f9e0375b98f26f612986bec17fb0489038617d9880",
  },
];

describe("request signatures", () => {
  it.each(VECTORS)("match the documented vector for $method $path", ({ method, path, body, header }) => {
    expect(sign(SECRET, VECTOR_TIME, method, path, body)).toBe(header);
    expect(sign(SECRET, VECTOR_TIME, method.toLowerCase(), path, body)).toBe(header);
    expect(verifySignature(SECRET, header, { method, path, body }, VECTOR_TIME * 1000)).toBe(true);
  });

  it("are refused when the method, path, body, secret or time differ", () => {
    const { method, path, body, header } = VECTORS[0] as (typeof VECTORS)[number];
    const at = VECTOR_TIME * 1000;
    expect(verifySignature(SECRET, header, { method, path: "/api/subscribers/acme123457", body }, at)).toBe(false);
    expect(verifySignature(SECRET, header, { method: "DELETE", path, body }, at)).toBe(false);
    expect(verifySignature(SECRET, header, { method, path, body: `${body} ` }, at)).toBe(false);
    expect(verifySignature(`${SECRET}x`, header, { method, path, body }, at)).toBe(false);
    expect(verifySignature(SECRET, header, { method, path, body }, at + 301_000)).toBe(false);
    expect(verifySignature(SECRET, header, { method, path, body }, at - 301_000)).toBe(false);
    expect(verifySignature(SECRET, header, { method, path, body }, at + 299_000)).toBe(true);
    expect(verifySignature(SECRET, header.toUpperCase(), { method, path, body }, at)).toBe(false);
    expect(verifySignature(SECRET, undefined, { method, path, body }, at)).toBe(false);
  });
});
