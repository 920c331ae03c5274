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
    allowedPrefixes: [],
    callerIdPolicy: "FORCED",
    forcedCallerId: "+12025550100",
    forcedCallerIdName: null,
    dids: [],
  },
};

const fast = { backoffMs: () => 10 };

describe("the HTTP registrar adapter", () => {
  it("provisions, lists and removes subscribers with signed requests", async () => {
    const registrar = createHttpRegistrar({ baseUrl: receiver.url, secret: SECRET, ...fast });
    await registrar.put(subscriber);
    expect(receiver.subscribers.get(subscriber.username)).toEqual(subscriber);
    expect(await registrar.list()).toEqual([
      {
        username: subscriber.username,
        realm: "sip.example.net",
        ha1: "a".repeat(32),
        ha1b: "b".repeat(32),
        attributes: subscriber.attributes,
      },
    ]);
    expect(await registrar.registrations(subscriber.username)).toEqual([]);
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
    expect(await registrar.purgeCallRecords(new Date("2026-11-02T00:00:00.000Z"))).toBe(1);
    expect(receiver.requests.slice(before)).toEqual([{ method: "POST", path: "/api/calls/purge", status: 200 }]);
    expect(receiver.calls).toEqual([]);
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

  it("retries when the registrar is unreachable", async () => {
    const registrar = createHttpRegistrar({ baseUrl: "http://127.0.0.1:9/api", secret: SECRET, attempts: 2, ...fast });
    await expect(registrar.put(subscriber)).rejects.toMatchObject({ status: null });
  });
});

describe("request signatures", () => {
  it("are bound to the method, path, body and time", () => {
    const now = Date.now();
    const t = Math.floor(now / 1000);
    const header = sign(SECRET, t, "PUT", "/api/subscribers/u", "{}");
    expect(verifySignature(SECRET, header, { method: "PUT", path: "/api/subscribers/u", body: "{}" }, now)).toBe(true);
    expect(verifySignature(SECRET, header, { method: "PUT", path: "/api/subscribers/v", body: "{}" }, now)).toBe(false);
    expect(verifySignature(SECRET, header, { method: "DELETE", path: "/api/subscribers/u", body: "{}" }, now)).toBe(
      false,
    );
    expect(verifySignature(SECRET, header, { method: "PUT", path: "/api/subscribers/u", body: "{ }" }, now)).toBe(
      false,
    );
    expect(
      verifySignature(SECRET, header, { method: "PUT", path: "/api/subscribers/u", body: "{}" }, now + 301_000),
    ).toBe(false);
  });
});
