/**
 * Webhook endpoints through the REST API, on a real PostgreSQL, the real worker and a real HTTP receiver: an admin's
 * key registers an endpoint (its secret shown once, never in a replay), the events it receives are signed with that
 * secret, each attempt is listed with its status, latency and the receiver's answer, a delivery is sent again on
 * request, and a disabled endpoint receives nothing. Every change is the staff page's command, audited with the key.
 * Which keys may do what is in api.test.ts's matrix (every documented operation × every kind of key).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiHandler } from "../../lib/api/handler";
import type { Actor } from "../../lib/auth/policy";
import { executeCommand } from "../../lib/commands";
import * as customers from "../../lib/customers";
import type { Db } from "../../lib/db";
import { webhookEventRow } from "../../lib/webhooks/events";
import { apiClient, apiKeyFor } from "../support/api";
import { contextFor, createActor, createPortalDatabase, startTestWorker } from "../support/portal";
import { type ReceivedWebhook, TestWebhookReceiver, verifyStandardWebhook } from "../support/webhook-receiver";

// The receiver runs on this machine over plain http: allowed here as an operator would allow a test host.
process.env.WEBHOOK_HTTP_HOSTS = "127.0.0.1";
process.env.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = "true";

let db: Db;
let url: string;
let admin: Actor;
let key: string;
let keyId: string;
let serverId: string;
let call: ReturnType<typeof apiClient>;
const hooks = new TestWebhookReceiver();
let worker: Awaited<ReturnType<typeof startTestWorker>> | undefined;

beforeAll(async () => {
  ({ db, url } = await createPortalDatabase("api_webhooks"));
  admin = await createActor(db, "ADMIN");
  ({ secret: key, id: keyId } = await apiKeyFor(db, admin));
  serverId = (
    await db.sipServer.create({ data: { hostname: "Sip.ApiHooks.example", realm: "sip.apihooks.example", label: "x" } })
  ).id;
  await hooks.start();
  const started = await startTestWorker({ db, url });
  worker = started;
  call = apiClient(createApiHandler({ db, registrar: () => started.registrar, rateLimit: 100_000 }));
});
afterAll(async () => {
  await worker?.stop();
  await hooks.stop();
  await db?.$disconnect();
});

let unique = 0;
const next = () => `${++unique}-${Date.now().toString(36)}`;

async function newTrunkViaApi() {
  const customer = await executeCommand(customers.createCustomer, contextFor(db, admin), {
    company: `Api Hooks ${next()}`,
    contactName: "Pat",
    contactEmail: `apihooks-${next()}@example.com`,
  });
  if (!customer.ok) throw new Error(JSON.stringify(customer));
  const trunk = await call("POST", "/trunks", {
    key,
    body: {
      customerId: customer.value.id,
      serverIds: [serverId],
      callLimit: 5,
      dialPermission: "US_ONLY",
      callerIdPolicy: "FORCED",
    },
  });
  expect(trunk.status, trunk.text).toBe(201);
  return trunk.json as { id: string };
}

const about = (trunkId: string) => (webhook: ReceivedWebhook) => webhook.body.includes(trunkId);

type Delivery = {
  id: string;
  status: string;
  event: { id: string; type: string };
  attempts: { statusCode: number | null; durationMs: number; responseExcerpt: string | null; error: string | null }[];
};
async function deliveriesOf(endpointId: string, query = ""): Promise<Delivery[]> {
  const response = await call("GET", `/webhook-endpoints/${endpointId}/deliveries${query}`, { key });
  expect(response.status, response.text).toBe(200);
  return response.json.data as Delivery[];
}

describe("webhook endpoints through the API", () => {
  it("register an endpoint: its secret is shown once and signs what it receives; a retry registers nothing twice", async () => {
    const headers = { "idempotency-key": `hook-${next()}` };
    const body = { url: `${hooks.url}/signed`, events: ["trunk.created"], description: "Billing" };
    const created = await call("POST", "/webhook-endpoints", { key, body, headers });
    expect(created.status, created.text).toBe(201);
    const secret = created.json.secret as string;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const endpoint = created.json.endpoint as { id: string; events: string[]; active: boolean };
    expect(endpoint).toMatchObject({ events: ["trunk.created"], active: true, description: "Billing" });

    const replay = await call("POST", "/webhook-endpoints", { key, body, headers });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.json).toEqual({ endpoint: created.json.endpoint });
    expect(await db.webhookEndpoint.count({ where: { url: body.url } })).toBe(1);
    // Stored sealed, and kept out of the stored replay and the audit log.
    const stored = JSON.stringify([
      await db.webhookEndpoint.findMany(),
      await db.idempotencyKey.findMany(),
      await db.auditLog.findMany({ select: { details: true } }),
    ]);
    expect(stored).not.toContain(secret.slice(6));
    expect(
      await db.auditLog.count({ where: { action: "webhook.create", targetId: endpoint.id, apiKeyId: keyId } }),
    ).toBe(1);

    const got = await call("GET", `/webhook-endpoints/${endpoint.id}`, { key });
    expect(got.status).toBe(200);
    expect(got.json).toEqual(created.json.endpoint);
    expect(got.text).not.toContain("whsec_");

    const trunk = await newTrunkViaApi();
    const [arrived] = await hooks.waitFor((received) => received.some(about(trunk.id)));
    expect(verifyStandardWebhook(secret, arrived as ReceivedWebhook)).toBe(true);
    // A secret the client chooses is the one returned (and used).
    const chosen = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
    const given = await call("POST", "/webhook-endpoints", {
      key,
      body: { url: `${hooks.url}/chosen`, events: "trunk.created", secret: chosen },
    });
    expect(given.status, given.text).toBe(201);
    expect(given.json.secret).toBe(chosen);
  });

  it("refuses what the staff form refuses, as problem+json with an error per field, and creates nothing", async () => {
    const before = await db.webhookEndpoint.count();
    const plain = await call("POST", "/webhook-endpoints", {
      key,
      body: { url: "http://hooks.example.com/in", events: ["trunk.exploded"], secret: "not-a-secret" },
    });
    expect(plain.status).toBe(422);
    expect(plain.headers.get("content-type")).toBe("application/problem+json");
    const fields = (plain.json.errors as { field: string }[]).map((error) => error.field).sort();
    expect(fields).toEqual(["events", "secret", "url"]);
    const missing = await call("PUT", `/webhook-endpoints/${(await db.webhookEndpoint.findFirstOrThrow()).id}`, {
      key,
      body: { url: `${hooks.url}/x`, events: ["trunk.created"] },
    });
    expect(missing.status).toBe(422);
    expect(missing.json.errors).toEqual([expect.objectContaining({ field: "active" })]);
    expect(await db.webhookEndpoint.count()).toBe(before);
  });

  it("list each attempt with its status, latency and the receiver's answer, and redeliver on request (audited)", async () => {
    hooks.answer = (webhook) => (webhook.path === "/flaky" ? 503 : 204);
    const created = await call("POST", "/webhook-endpoints", {
      key,
      body: { url: `${hooks.url}/flaky`, events: ["trunk.created"] },
    });
    const endpointId = (created.json.endpoint as { id: string }).id;
    const trunk = await newTrunkViaApi();
    await expect
      .poll(async () => (await deliveriesOf(endpointId))[0]?.attempts[0], { timeout: 30_000 })
      .toMatchObject({ statusCode: 503, responseExcerpt: "answered 503", error: "The receiver answered 503" });
    const [failed] = await deliveriesOf(endpointId);
    expect(failed).toMatchObject({ status: "PENDING", event: { type: "trunk.created" } });
    expect(failed?.attempts[0]?.durationMs).toBeGreaterThanOrEqual(0);

    // The receiver is fixed; the client asks for the event again at once instead of waiting for the retry.
    hooks.answer = () => 200;
    const redelivered = await call("POST", `/webhook-endpoints/${endpointId}/deliveries/${failed?.id}:redeliver`, {
      key,
    });
    expect(redelivered.status, redelivered.text).toBe(202);
    expect(redelivered.json).toMatchObject({ id: failed?.id, event: { id: failed?.event.id } });
    await expect.poll(async () => (await deliveriesOf(endpointId))[0]?.status, { timeout: 30_000 }).toBe("SUCCEEDED");
    const [delivered] = await deliveriesOf(endpointId);
    expect(delivered?.attempts[0]).toMatchObject({ statusCode: 200, responseExcerpt: "answered 200", error: null });
    expect(delivered?.attempts.at(-1)?.statusCode).toBe(503);
    const mine = hooks.received.filter(about(trunk.id)).filter((webhook) => webhook.path === "/flaky");
    expect(new Set(mine.map((webhook) => webhook.headers["webhook-id"]))).toEqual(new Set([failed?.event.id]));
    expect(
      await db.auditLog.count({ where: { action: "webhook.redeliver", targetId: endpointId, apiKeyId: keyId } }),
    ).toBe(1);

    // A delivery asked for under another endpoint's path is not found there, and nothing is sent or audited.
    const other = await call("POST", "/webhook-endpoints", {
      key,
      body: { url: `${hooks.url}/other`, events: ["demo.expired"] },
    });
    const otherId = (other.json.endpoint as { id: string }).id;
    const crossed = await call("POST", `/webhook-endpoints/${otherId}/deliveries/${failed?.id}:redeliver`, { key });
    expect(crossed.status).toBe(404);
    expect(crossed.headers.get("content-type")).toBe("application/problem+json");
    expect(await db.auditLog.count({ where: { action: "webhook.redeliver", apiKeyId: keyId } })).toBe(1);
  });

  it("disable an endpoint: it receives nothing until it is enabled again; an update replaces its events", async () => {
    const created = await call("POST", "/webhook-endpoints", {
      key,
      body: { url: `${hooks.url}/toggled`, events: ["trunk.created"] },
    });
    const endpointId = (created.json.endpoint as { id: string }).id;
    const disabled = await call("POST", `/webhook-endpoints/${endpointId}:disable`, { key });
    expect(disabled.status, disabled.text).toBe(200);
    expect(disabled.json).toMatchObject({ active: false, url: `${hooks.url}/toggled`, events: ["trunk.created"] });
    // Events are written in the transaction of the change: once the create answered, a delivery exists or never will.
    await newTrunkViaApi();
    expect(await deliveriesOf(endpointId)).toEqual([]);
    expect((await call("GET", "/webhook-endpoints?active=false", { key })).json.data).toEqual([
      expect.objectContaining({ id: endpointId }),
    ]);

    const enabled = await call("POST", `/webhook-endpoints/${endpointId}:enable`, { key });
    expect(enabled.json).toMatchObject({ active: true });
    await newTrunkViaApi();
    expect(await deliveriesOf(endpointId)).toHaveLength(1);

    const updated = await call("PUT", `/webhook-endpoints/${endpointId}`, {
      key,
      body: { url: `${hooks.url}/toggled`, events: ["trunk.updated"], description: "Only updates", active: true },
    });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.json).toMatchObject({ events: ["trunk.updated"], description: "Only updates", active: true });
    await newTrunkViaApi();
    expect(await deliveriesOf(endpointId)).toHaveLength(1);
    expect(
      (await db.auditLog.findMany({ where: { targetId: endpointId, apiKeyId: keyId }, orderBy: { id: "asc" } })).map(
        (entry) => entry.action,
      ),
    ).toEqual(["webhook.create", "webhook.update", "webhook.update", "webhook.update"]);
  });

  it("page through an endpoint's deliveries newest first, and through endpoints oldest first, without repeats", async () => {
    const created = await call("POST", "/webhook-endpoints", {
      key,
      body: { url: `${hooks.url}/paged`, events: ["demo.expired"] },
    });
    const endpointId = (created.json.endpoint as { id: string }).id;
    // Set-up only: 130 events already sent, many created within the same millisecond (the id breaks ties).
    const at = Date.now() - 60_000;
    for (let index = 0; index < 130; index++) {
      await db.webhookEvent.create({
        data: {
          ...webhookEventRow("demo.expired", { index }),
          type: "demo.expired",
          deliveries: { create: { endpointId, status: "SUCCEEDED", createdAt: new Date(at + Math.floor(index / 7)) } },
        },
      });
    }
    const seen: Delivery[] = [];
    let cursor: string | null = null;
    do {
      const response = await call(
        "GET",
        `/webhook-endpoints/${endpointId}/deliveries?limit=40${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        { key },
      );
      expect(response.status, response.text).toBe(200);
      seen.push(...(response.json.data as Delivery[]));
      cursor = response.json.nextCursor as string | null;
    } while (cursor);
    const stored = await db.webhookDelivery.findMany({
      where: { endpointId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    });
    expect(seen.map((delivery) => delivery.id)).toEqual(stored.map((delivery) => delivery.id));
    expect(stored).toHaveLength(130);

    const endpoints: string[] = [];
    cursor = null;
    do {
      const response = await call(
        "GET",
        `/webhook-endpoints?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        { key },
      );
      endpoints.push(...(response.json.data as { id: string }[]).map((endpoint) => endpoint.id));
      cursor = response.json.nextCursor as string | null;
    } while (cursor);
    const all = await db.webhookEndpoint.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
    expect(endpoints).toEqual(all.map((endpoint) => endpoint.id));
  });
});
