/**
 * The REST API (/api/v1) on a real PostgreSQL, through the same handler the web server runs: the OpenAPI document is
 * valid and every operation in it answers as documented for a key of every role, a read-only key, a revoked or
 * expired key and no key; retries with an Idempotency-Key never create twice; cursors page through 1,000 trunks
 * without gaps or repeats; thousands of malformed bodies never get a 5xx; the rate limit holds under parallel load.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiHandler } from "../../lib/api/handler";
import { type ApiResult, withIdempotency } from "../../lib/api/idempotency";
import { revokeApiKey } from "../../lib/api/keys";
import { type Actor, PERMISSIONS } from "../../lib/auth/policy";
import { executeCommand } from "../../lib/commands";
import * as customers from "../../lib/customers";
import type { Db } from "../../lib/db";
import type { Role } from "../../lib/generated/prisma/enums";
import { createKamailioSqlRegistrar } from "../../lib/registrar/kamailio-sql";
import { ensureRegistrarSchema } from "../../lib/registrar/schema";
import type { Registrar } from "../../lib/registrar/types";
import { createTrunk, MAX_TRUNKS_PER_BATCH } from "../../lib/trunks";
import { decryptTrunkPassword } from "../../lib/trunks/password";
import { createWebhookEndpoint } from "../../lib/webhooks/endpoints";
import { webhookEventRow } from "../../lib/webhooks/events";
import { apiClient, apiKeyFor, openApiResponseValidator } from "../support/api";
import { commandFixtures } from "../support/commands";
import { createTestDatabase } from "../support/database";
import { contextFor, createActor, createPortalDatabase } from "../support/portal";

let db: Db;
let registrar: Registrar;
let serverId: string;
let admin: Actor;
let fixtures: ReturnType<typeof commandFixtures>;
let call: ReturnType<typeof apiClient>;
let document: Record<string, unknown> & { paths: Record<string, Record<string, Operation>> };
let validate: ReturnType<typeof openApiResponseValidator>;

type Operation = {
  operationId: string;
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
  "x-permission": keyof typeof PERMISSIONS;
};
type Principal = { name: string; key: string | null; role: Role | null; readOnly: boolean; refused: boolean };
const principals: Principal[] = [];

async function setUp<T>(result: Promise<{ ok: true; value: T } | { ok: false }>): Promise<T> {
  const outcome = await result;
  if (!outcome.ok) throw new Error(`set-up failed: ${JSON.stringify(outcome)}`);
  return outcome.value;
}

let unique = 0;
const next = () => `${++unique}-${Date.now().toString(36)}`;
const newCustomer = () =>
  setUp(
    executeCommand(customers.createCustomer, contextFor(db, admin), {
      company: `Api Co ${next()}`,
      contactName: "Pat",
      contactEmail: `api-${next()}@example.com`,
    }),
  );
const newDemo = async () =>
  (
    await setUp(
      executeCommand(customers.createDemoAccount, contextFor(db, admin), {
        company: `Api Demo ${next()}`,
        contactName: "Pat",
        contactEmail: `demo-${next()}@example.com`,
      }),
    )
  ).customer;
/** An endpoint for a nobody-sends event, with one delivery of its own (no worker runs here: it stays queued). */
const newWebhookDelivery = async () => {
  const { endpoint } = await setUp(
    executeCommand(createWebhookEndpoint, contextFor(db, admin), {
      url: `https://hooks-${next()}.api.example/in`,
      events: ["demo.expired"],
    }),
  );
  const event = await db.webhookEvent.create({
    data: {
      ...webhookEventRow("demo.expired", {}),
      type: "demo.expired",
      deliveries: { create: { endpointId: endpoint.id } },
    },
    include: { deliveries: true },
  });
  return { endpointId: endpoint.id, deliveryId: event.deliveries[0]?.id ?? "" };
};
const webhookBody = () => ({ url: `https://hooks-${next()}.api.example/in`, events: ["demo.expired"] });
const trunkBody = () => ({ serverIds: [serverId], callLimit: 5, dialPermission: "US_ONLY", callerIdPolicy: "FORCED" });

/** A valid request for every documented operation, on fresh records made for it. */
const validRequests: Record<
  string,
  () => Promise<{ params?: Record<string, string>; body?: unknown; query?: string }>
> = {
  listCustomers: async () => ({ query: "?limit=5" }),
  createImport: async () => ({ body: await fixtures.validInput("import.upload", null) }),
  getImport: async () => ({
    params: { importId: String((await fixtures.validInput("import.cancel", null)).importId) },
  }),
  cancelImport: async () => ({
    params: { importId: String((await fixtures.validInput("import.cancel", null)).importId) },
  }),
  createCustomer: async () => ({
    body: { company: `New ${next()}`, contactName: "Pat", contactEmail: `new-${next()}@example.com` },
  }),
  getCustomer: async () => ({ params: { customerId: (await newCustomer()).id } }),
  updateCustomer: async () => ({
    params: { customerId: (await newCustomer()).id },
    body: { company: "Renamed Co", contactName: "Pat", contactEmail: `re-${next()}@example.com`, status: "ACTIVE" },
  }),
  suspendCustomer: async () => ({ params: { customerId: (await newCustomer()).id } }),
  reactivateCustomer: async () => ({ params: { customerId: (await newCustomer()).id } }),
  closeCustomer: async () => ({ params: { customerId: (await newCustomer()).id } }),
  createDemoAccount: async () => ({
    body: { company: `Demo ${next()}`, contactName: "Pat", contactEmail: `d-${next()}@example.com` },
  }),
  extendDemo: async () => ({
    params: { customerId: (await newDemo()).id },
    body: { demoExpiresAt: new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10) },
  }),
  convertDemo: async () => ({
    params: { customerId: (await newDemo()).id },
    body: { callLimit: 20, dialPermission: "US_CANADA", callerIdPolicy: "FORCED" },
  }),
  listTrunks: async () => ({ query: "?limit=5&status=ACTIVE" }),
  createTrunk: async () => ({ body: { customerId: (await newCustomer()).id, ...trunkBody() } }),
  createTrunks: async () => ({ body: { customerId: (await newCustomer()).id, count: 3, ...trunkBody() } }),
  getTrunk: async () => ({ params: { trunkId: (await fixtures.newTrunk()).id } }),
  updateTrunk: async () => ({
    params: { trunkId: (await fixtures.newTrunk()).id },
    body: { ...trunkBody(), callLimit: 9, dids: [`+1919555${String(1000 + (unique++ % 9000))}`] },
  }),
  deleteTrunk: async () => ({ params: { trunkId: (await fixtures.newTrunk()).id }, query: "?reason=Closed" }),
  disableTrunk: async () => ({ params: { trunkId: (await fixtures.newTrunk()).id }, body: { reason: "Unpaid" } }),
  enableTrunk: async () => ({ params: { trunkId: (await fixtures.newTrunk()).id } }),
  resetTrunkPassword: async () => ({
    params: { trunkId: (await fixtures.newTrunk()).id },
    body: { returnPassword: true },
  }),
  revealTrunkPassword: async () => ({ params: { trunkId: (await fixtures.newTrunk()).id } }),
  resendCredentials: async () => ({ params: { trunkId: (await fixtures.newTrunk()).id } }),
  getTrunkSync: async () => ({ params: { trunkId: (await fixtures.newTrunk()).id } }),
  resyncTrunk: async () => ({ params: { trunkId: (await fixtures.newTrunk()).id } }),
  getTrunkRegistrations: async () => ({ params: { trunkId: (await fixtures.newTrunk()).id } }),
  listSipServers: async () => ({ query: "?active=true" }),
  listAudit: async () => ({ query: "?limit=3&action=trunk" }),
  listWebhookEndpoints: async () => ({ query: "?limit=5&active=true" }),
  createWebhookEndpoint: async () => ({ body: webhookBody() }),
  getWebhookEndpoint: async () => ({ params: await newWebhookDelivery() }),
  updateWebhookEndpoint: async () => ({
    params: await newWebhookDelivery(),
    body: { ...webhookBody(), events: ["demo.expired", "demo.expiring"], description: "Billing", active: false },
  }),
  disableWebhookEndpoint: async () => ({ params: await newWebhookDelivery() }),
  enableWebhookEndpoint: async () => ({ params: await newWebhookDelivery() }),
  listWebhookDeliveries: async () => ({ params: await newWebhookDelivery(), query: "?limit=5" }),
  redeliverWebhook: async () => ({ params: await newWebhookDelivery() }),
};

const fill = (path: string, params: Record<string, string> = {}) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? "missing");

beforeAll(async () => {
  let url: string;
  ({ db, url } = await createPortalDatabase("api"));
  void url;
  const registrarUrl = await createTestDatabase("api_registrar");
  await ensureRegistrarSchema(registrarUrl);
  registrar = createKamailioSqlRegistrar(registrarUrl);
  admin = await createActor(db, "ADMIN");
  serverId = (
    await db.sipServer.create({ data: { hostname: "Sip1.Api.example", realm: "sip1.api.example", label: "x" } })
  ).id;
  fixtures = commandFixtures(db, admin, serverId);
  call = apiClient(createApiHandler({ db, registrar: () => registrar, rateLimit: 100_000 }));

  for (const role of ["ADMIN", "SALES", "SUPPORT"] as Role[]) {
    const owner = await createActor(db, role);
    principals.push({
      name: `${role} key`,
      key: (await apiKeyFor(db, owner)).secret,
      role,
      readOnly: false,
      refused: false,
    });
  }
  const readOnly = await apiKeyFor(db, admin, { readOnly: true });
  principals.push({ name: "read-only key", key: readOnly.secret, role: "ADMIN", readOnly: true, refused: false });
  const revoked = await apiKeyFor(db, admin);
  await setUp(executeCommand(revokeApiKey, contextFor(db, admin), { apiKeyId: revoked.id }));
  principals.push({ name: "revoked key", key: revoked.secret, role: null, readOnly: false, refused: true });
  const expired = await apiKeyFor(db, admin, { expiresInDays: 1 });
  await db.apiKey.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
  principals.push({ name: "expired key", key: expired.secret, role: null, readOnly: false, refused: true });
  principals.push({ name: "no key", key: null, role: null, readOnly: false, refused: true });

  const served = await call("GET", "/openapi.json");
  document = served.json as typeof document;
  validate = openApiResponseValidator(document);
});
afterAll(async () => {
  await registrar?.close();
  await db?.$disconnect();
});

const adminKey = () => principals[0]?.key ?? "";

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document, served without a key", async () => {
    expect(document.openapi).toBe("3.1.0");
    const result = await new Validator().validate(document);
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("documents an operation for every request the test knows how to make, and nothing else", () => {
    const documented = Object.values(document.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(documented.sort()).toEqual(Object.keys(validRequests).sort());
  });
});

describe("every documented operation answers as documented, for every kind of key", () => {
  for (const principal of [
    "ADMIN key",
    "SALES key",
    "SUPPORT key",
    "read-only key",
    "revoked key",
    "expired key",
    "no key",
  ]) {
    it(`as ${principal}`, async () => {
      const who = principals.find((candidate) => candidate.name === principal);
      if (!who) throw new Error("missing principal");
      for (const [path, item] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(item)) {
          const label = `${method.toUpperCase()} ${path} as ${principal}`;
          const make = validRequests[operation.operationId];
          if (!make) throw new Error(`no valid request for ${operation.operationId}`);
          const request = await make();
          const writes = method !== "get";
          const roleMay =
            who.role !== null && (PERMISSIONS[operation["x-permission"]] as readonly Role[]).includes(who.role);
          const auditBefore = await db.auditLog.count();
          const response = await call(method.toUpperCase(), `${fill(path, request.params)}${request.query ?? ""}`, {
            key: who.key,
            body: request.body,
          });
          const successStatus = Object.keys(operation.responses).find((status) => status.startsWith("2"));
          const expected = who.refused
            ? 401
            : !roleMay
              ? writes
                ? 403
                : 404
              : writes && who.readOnly
                ? 403
                : Number(successStatus);
          expect(response.status, `${label}: ${response.text}`).toBe(expected);
          const documented = operation.responses[String(response.status)];
          expect(documented, `${label}: status ${response.status} is documented`).toBeDefined();
          const [contentType, media] = Object.entries(documented?.content ?? {})[0] ?? [];
          expect(response.headers.get("content-type"), label).toBe(contentType);
          expect(validate(media?.schema, response.json), label).toEqual([]);
          if (expected >= 400 && writes)
            expect(await db.auditLog.count(), `${label} changed nothing`).toBe(auditBefore);
          if (response.status === 401) expect(response.headers.get("www-authenticate"), label).toMatch(/^Bearer/);
        }
      }
    });
  }
});

describe("API keys", () => {
  it("are stored only as a hash, and every change made with one is audited with the key's id", async () => {
    const owner = await createActor(db, "SALES");
    const key = await apiKeyFor(db, owner);
    const row = await db.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(JSON.stringify(row)).not.toContain(key.secret.slice(16));
    const created = await call("POST", "/customers", {
      key: key.secret,
      body: { company: "Audited Co", contactName: "Pat", contactEmail: `aud-${next()}@example.com` },
    });
    expect(created.status).toBe(201);
    const entry = await db.auditLog.findFirstOrThrow({
      where: { action: "customer.create", targetId: String(created.json.id) },
    });
    expect(entry).toMatchObject({ actorId: owner.id, actorRole: "SALES", apiKeyId: key.id });
    const audit = await db.auditLog.findMany({ where: { apiKeyId: key.id } });
    expect(JSON.stringify(audit, (_key, value) => (typeof value === "bigint" ? String(value) : value))).not.toContain(
      key.secret,
    );
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: key.id } })).lastUsedAt).not.toBeNull();
  });

  it("act with the owner's role as it is now: a demoted or deactivated owner's key loses its power at once", async () => {
    const owner = await createActor(db, "ADMIN");
    const key = await apiKeyFor(db, owner);
    const trunk = await fixtures.newTrunk();
    await db.user.update({ where: { id: owner.id }, data: { role: "SALES" } });
    expect((await call("DELETE", `/trunks/${trunk.id}`, { key: key.secret })).status).toBe(403);
    await db.user.update({ where: { id: owner.id }, data: { active: false } });
    expect((await call("GET", `/trunks/${trunk.id}`, { key: key.secret })).status).toBe(401);
  });

  it("are refused when malformed, guessed or sent any other way than as a Bearer token", async () => {
    const secret = adminKey();
    const tampered = `${secret.slice(0, -1)}${secret.endsWith("a") ? "b" : "a"}`;
    for (const authorization of [`Bearer ${tampered}`, `Basic ${secret}`, secret, "Bearer", `Bearer ${secret}x`]) {
      const response = await call("GET", "/customers", { headers: { authorization } });
      expect(response.status, authorization.slice(0, 12)).toBe(401);
    }
    const viaCookie = await call("GET", "/customers", { headers: { cookie: `authjs.session-token=${secret}` } });
    expect(viaCookie.status).toBe(401);
  });
});

describe("SIP passwords", () => {
  it("come only from an audited reveal, and from a reset once when asked for, never from a replay", async () => {
    const trunk = await fixtures.newTrunk();
    const got = await call("GET", `/trunks/${trunk.id}`, { key: adminKey() });
    expect(got.text).not.toMatch(/password"|ciphertext|"ha1/i);
    const revealed = await call("POST", `/trunks/${trunk.id}/password:reveal`, { key: adminKey() });
    expect(revealed.status).toBe(200);
    const stored = await db.trunk.findUniqueOrThrow({ where: { id: trunk.id } });
    expect(revealed.json.password).toBe(decryptTrunkPassword(stored));
    expect(await db.auditLog.count({ where: { action: "trunk.reveal-password", targetId: trunk.id } })).toBe(1);

    const headers = { "idempotency-key": `reset-${next()}` };
    const reset = await call("POST", `/trunks/${trunk.id}/password:reset`, {
      key: adminKey(),
      body: { returnPassword: true },
      headers,
    });
    expect(reset.status).toBe(200);
    expect(typeof reset.json.password).toBe("string");
    expect(reset.json.password).not.toBe(revealed.json.password);
    const replay = await call("POST", `/trunks/${trunk.id}/password:reset`, {
      key: adminKey(),
      body: { returnPassword: true },
      headers,
    });
    expect(replay.status).toBe(200);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.json.password).toBeUndefined();
    expect((replay.json.trunk as { id: string }).id).toBe(trunk.id);
    const idempotency = await db.idempotencyKey.findMany();
    expect(JSON.stringify(idempotency)).not.toContain(String(reset.json.password));
    expect(await db.auditLog.count({ where: { action: "trunk.reset-password", targetId: trunk.id } })).toBe(1);
  });
});

describe("Idempotency-Key", () => {
  it("a retried create returns the first trunk and never makes a second", async () => {
    const customer = await newCustomer();
    const body = { customerId: customer.id, ...trunkBody() };
    const headers = { "idempotency-key": `create-${next()}` };
    const first = await call("POST", "/trunks", { key: adminKey(), body, headers });
    const retry = await call("POST", "/trunks", { key: adminKey(), body, headers });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.json).toEqual(first.json);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await db.trunk.count({ where: { customerId: customer.id } })).toBe(1);

    const other = await call("POST", "/trunks", { key: adminKey(), body: { ...body, callLimit: 6 }, headers });
    expect(other.status).toBe(422);
    expect(other.headers.get("content-type")).toBe("application/problem+json");
    expect(await db.trunk.count({ where: { customerId: customer.id } })).toBe(1);
  });

  it("ten concurrent requests with one key make one trunk, and all of them get it", async () => {
    const customer = await newCustomer();
    const body = { customerId: customer.id, ...trunkBody() };
    const headers = { "idempotency-key": `burst-${next()}` };
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => call("POST", "/trunks", { key: adminKey(), body, headers })),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(201));
    expect(new Set(responses.map((response) => response.json.id)).size).toBe(1);
    expect(await db.trunk.count({ where: { customerId: customer.id } })).toBe(1);
  });

  it("a key is forgotten 24 hours after its request: used again then, it makes a new trunk", async () => {
    const customer = await newCustomer();
    const body = { customerId: customer.id, ...trunkBody() };
    const key = `day-${next()}`;
    const headers = { "idempotency-key": key };
    const first = await call("POST", "/trunks", { key: adminKey(), body, headers });
    expect(first.status).toBe(201);
    const aDayAgo = new Date(Date.now() - 24 * 60 * 60 * 1000 - 60_000);
    await db.idempotencyKey.updateMany({ where: { key }, data: { createdAt: aDayAgo } });

    const later = await call("POST", "/trunks", { key: adminKey(), body, headers });
    expect(later.status).toBe(201);
    expect(later.headers.get("idempotent-replayed")).toBeNull();
    expect(later.json.id).not.toBe(first.json.id);
    const retry = await call("POST", "/trunks", { key: adminKey(), body, headers });
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.json.id).toBe(later.json.id);
    expect(await db.trunk.count({ where: { customerId: customer.id } })).toBe(2);
  });

  it("a failed request leaves the key free, so the corrected retry runs", async () => {
    const customer = await newCustomer();
    const headers = { "idempotency-key": `fail-${next()}` };
    const bad = await call("POST", "/trunks", {
      key: adminKey(),
      body: { customerId: customer.id, ...trunkBody(), callLimit: 0 },
      headers,
    });
    expect(bad.status).toBe(422);
    expect(bad.json.errors).toEqual([expect.objectContaining({ field: "callLimit", pointer: "/callLimit" })]);
    // Had the failure been kept, the corrected body would be refused as a different request under the same key.
    const fixed = await call("POST", "/trunks", {
      key: adminKey(),
      body: { customerId: customer.id, ...trunkBody() },
      headers,
    });
    expect(fixed.status).toBe(201);
    expect(await db.trunk.count({ where: { customerId: customer.id } })).toBe(1);
  });
});

describe("Idempotency-Key after an unexpected failure", () => {
  it("a request that failed after its change may have been committed is never run again: a retry is told to look", async () => {
    const customer = await newCustomer();
    const { id: apiKeyId } = await apiKeyFor(db, admin);
    const key = `unknown-${next()}`;
    let runs = 0;
    // The trunk is created and committed, then the answer cannot be read back (the connection drops).
    const createThenLoseTheAnswer = async (): Promise<ApiResult> => {
      runs++;
      const created = await executeCommand(createTrunk, contextFor(db, admin), {
        customerId: customer.id,
        ...trunkBody(),
      });
      expect(created.ok).toBe(true);
      throw new Error("Connection terminated unexpectedly");
    };
    await expect(withIdempotency(db, apiKeyId, key, "same request", createThenLoseTheAnswer)).rejects.toThrow(
      "Connection terminated unexpectedly",
    );
    for (let retry = 0; retry < 2; retry++) {
      await expect(withIdempotency(db, apiKeyId, key, "same request", createThenLoseTheAnswer)).rejects.toMatchObject({
        status: 409,
        slug: "idempotency-outcome-unknown",
      });
    }
    expect(runs).toBe(1);
    expect(await db.trunk.count({ where: { customerId: customer.id } })).toBe(1);
  });
});

describe("bulk creation (trunks:batchCreate)", () => {
  it("creates every trunk as a single create would: own credentials, sync, email, audit with the key; a retry makes none", async () => {
    const customer = await newCustomer();
    // The largest order allowed.
    const body = { customerId: customer.id, count: MAX_TRUNKS_PER_BATCH, ...trunkBody() };
    const headers = { "idempotency-key": `batch-${next()}` };
    const first = await call("POST", "/trunks:batchCreate", { key: adminKey(), body, headers });
    expect(first.status, first.text).toBe(201);
    const trunks = first.json.data as { id: string; username: string; servers: { hostname: string }[] }[];
    expect(trunks).toHaveLength(MAX_TRUNKS_PER_BATCH);
    expect(new Set(trunks.map((trunk) => trunk.username)).size).toBe(MAX_TRUNKS_PER_BATCH);
    expect(trunks.every((trunk) => trunk.servers[0]?.hostname === "Sip1.Api.example")).toBe(true);
    expect(first.text).not.toMatch(/password"\s*:/i);

    const ids = trunks.map((trunk) => trunk.id);
    const stored = await db.trunk.findMany({ where: { customerId: customer.id }, include: { servers: true } });
    expect(stored.map((trunk) => trunk.id).sort()).toEqual([...ids].sort());
    const passwords = stored.map((trunk) => decryptTrunkPassword(trunk));
    expect(new Set(passwords).size).toBe(MAX_TRUNKS_PER_BATCH);
    expect(stored.every((trunk) => trunk.syncState === "PENDING" && trunk.servers[0]?.ha1.length === 32)).toBe(true);
    const audits = await db.auditLog.findMany({ where: { action: "trunk.create", targetId: { in: ids } } });
    expect(audits).toHaveLength(MAX_TRUNKS_PER_BATCH);
    expect(new Set(audits.map((entry) => entry.apiKeyId)).size).toBe(1);
    expect(audits[0]?.apiKeyId).toEqual(expect.any(String));
    expect(await db.mail.count({ where: { trunkId: { in: ids }, kind: "credentials.new" } })).toBe(
      MAX_TRUNKS_PER_BATCH,
    );
    // Each trunk's sync is queued once: trunks created together share a sync job per 200 (lib/jobs/queue.ts).
    const [jobs] = await db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM graphile_worker._private_jobs j
        JOIN graphile_worker._private_tasks t ON t.id = j.task_id,
        LATERAL json_array_elements_text(j.payload->'trunkIds') AS queued(trunk_id)
      WHERE t.identifier = 'registrar.sync-trunk' AND queued.trunk_id = ANY(${ids}::text[])`;
    expect(jobs?.n).toBe(MAX_TRUNKS_PER_BATCH);

    const retry = await call("POST", "/trunks:batchCreate", { key: adminKey(), body, headers });
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.json).toEqual(first.json);
    expect(await db.trunk.count({ where: { customerId: customer.id } })).toBe(MAX_TRUNKS_PER_BATCH);
  });

  it("refuses what it cannot do whole, with a field error, and creates nothing", async () => {
    const customer = await newCustomer();
    const attempts = [
      { body: { count: MAX_TRUNKS_PER_BATCH + 1 }, status: 422, field: "count" },
      { body: { count: 0 }, status: 422, field: "count" },
      { body: { count: 2.5 }, status: 422, field: "count" },
      // Not numbers, though JavaScript would read them as 1 and 16.
      { body: { count: true }, status: 422, field: "count" },
      { body: { count: "0x10" }, status: 422, field: "count" },
      { body: { count: 2, dids: ["+19195550142"] }, status: 409, field: "dids" },
      { body: { count: 3, serverIds: ["c000000000000000000000000"] }, status: 409, field: "serverIds" },
    ];
    for (const attempt of attempts) {
      const response = await call("POST", "/trunks:batchCreate", {
        key: adminKey(),
        body: { customerId: customer.id, ...trunkBody(), ...attempt.body },
      });
      const label = JSON.stringify(attempt.body);
      expect(response.status, `${label}: ${response.text}`).toBe(attempt.status);
      expect(response.headers.get("content-type"), label).toBe("application/problem+json");
      expect(JSON.stringify(response.json.errors), label).toContain(`"field":"${attempt.field}"`);
    }
    const gone = await call("POST", "/trunks:batchCreate", {
      key: adminKey(),
      body: { customerId: "c000000000000000000000000", count: 2, ...trunkBody() },
    });
    expect(gone.status).toBe(404);
    expect(await db.trunk.count({ where: { customerId: customer.id } })).toBe(0);
  });
});

describe("cursor pagination", () => {
  it("pages through 1,000 trunks without duplicates or gaps, while new ones are created", async () => {
    const customer = await newCustomer();
    const template = await fixtures.newTrunk(customer.id);
    const stored = await db.trunk.findUniqueOrThrow({ where: { id: template.id } });
    // Many share a creation time to the millisecond, so the id must break ties.
    const at = new Date();
    await db.trunk.createMany({
      data: Array.from({ length: 999 }, (_, index) => ({
        customerId: customer.id,
        username: `page${String(index).padStart(6, "0")}`,
        passwordCiphertext: stored.passwordCiphertext,
        passwordKeyId: stored.passwordKeyId,
        callLimit: 5,
        dialPermission: "US_ONLY" as const,
        callerIdPolicy: "FORCED" as const,
        forcedCallerId: "+12025550100",
        createdAt: new Date(at.getTime() + Math.floor(index / 10)),
      })),
    });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await call(
        "GET",
        `/trunks?customerId=${customer.id}&limit=37${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        { key: adminKey() },
      );
      expect(response.status, response.text).toBe(200);
      seen.push(...(response.json.data as { id: string }[]).map((trunk) => trunk.id));
      cursor = response.json.nextCursor as string | null;
      if (pages++ === 5) await fixtures.newTrunk(customer.id); // appears on a later page, once
    } while (cursor);
    const all = await db.trunk.findMany({ where: { customerId: customer.id }, select: { id: true } });
    expect(all).toHaveLength(1001);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(all.map((trunk) => trunk.id).sort());

    const forged = await call("GET", "/trunks?cursor=not-a-cursor", { key: adminKey() });
    expect(forged.status).toBe(400);
    expect(forged.json.errors).toEqual([expect.objectContaining({ field: "cursor" })]);
  });
});

describe("bad input", () => {
  it("a few thousand malformed requests get problem+json, never a 5xx, and change nothing", async () => {
    const trunk = await fixtures.newTrunk();
    const customer = await newCustomer();
    const hooked = await newWebhookDelivery();
    let seed = 20261127;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)] as T;
    const nasty: unknown[] = [
      null,
      true,
      0,
      -1,
      1e308,
      Number.MAX_SAFE_INTEGER,
      "",
      " ",
      "\u0000",
      "a\u0000b",
      "\ud800",
      "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
      "<script>alert(1)</script>",
      '\'; DROP TABLE "Trunk"; --',
      "x".repeat(100_000),
      [],
      [[]],
      {},
      { $ne: 1 },
      ["a", 1, null],
      "+1",
      "US,\u0000CA",
      "9".repeat(400),
      "2026-02-31",
      "../../etc/passwd",
      { __proto__: { admin: true } },
      "\r\nX-Injected: 1",
    ];
    const fields = [
      "customerId",
      "serverIds",
      "callLimit",
      "dialPermission",
      "allowedCountries",
      "callerIdPolicy",
      "forcedCallerId",
      "forcedCallerIdName",
      "dids",
      "company",
      "contactName",
      "contactEmail",
      "status",
      "demoExpiresAt",
      "reason",
      "returnPassword",
      "trunkId",
      "url",
      "events",
      "secret",
      "active",
      "description",
      "__proto__",
      "constructor",
    ];
    const targets: [string, string][] = [
      ["POST", "/trunks"],
      ["PUT", `/trunks/${trunk.id}`],
      ["POST", "/customers"],
      ["PUT", `/customers/${customer.id}`],
      ["POST", "/demo-accounts"],
      ["POST", `/customers/${customer.id}/demo:extend`],
      ["POST", `/customers/${customer.id}/demo:convert`],
      ["GET", "/trunks"],
      ["GET", "/customers"],
      ["GET", "/audit"],
      ["POST", "/webhook-endpoints"],
      ["PUT", `/webhook-endpoints/${hooked.endpointId}`],
      ["POST", `/webhook-endpoints/${hooked.endpointId}:disable`],
      ["POST", `/webhook-endpoints/${hooked.endpointId}/deliveries/${hooked.deliveryId}:redeliver`],
      ["GET", `/webhook-endpoints/${hooked.endpointId}/deliveries`],
      ["POST", "/trunks/%00"],
      ["GET", `/trunks/${"x".repeat(300)}`],
    ];
    const ROUNDS = 2000;
    const trunksBefore = await db.trunk.count();
    const endpointsBefore = await db.webhookEndpoint.count();
    let requests = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const [method, path] = pick(targets);
      const shape = random();
      let options: Parameters<typeof call>[2] = { key: adminKey() };
      if (shape < 0.1)
        options = {
          ...options,
          rawBody: pick(["{", "[1,2", "nul", '"\\u', '{"a":}', "\u0000"]),
          headers: { "content-type": "application/json" },
        };
      else if (shape < 0.15)
        options = {
          ...options,
          rawBody: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
          headers: { "content-type": "application/json" },
        };
      else if (shape < 0.2)
        options = {
          ...options,
          rawBody: "company=x",
          headers: { "content-type": pick(["text/plain", "application/x-www-form-urlencoded", ""]) },
        };
      else if (shape < 0.3) options = { ...options, body: pick(nasty) };
      else {
        const body: Record<string, unknown> = {};
        for (let field = 0; field < 1 + random() * 6; field++) body[pick(fields)] = pick(nasty);
        options = { ...options, body };
      }
      const query =
        method === "GET"
          ? pick([
              "",
              "?limit=-1",
              "?limit=abc",
              "?cursor=%00",
              "?from=yesterday",
              "?status=NOPE",
              "?q=%00",
              "?demo=x",
              "?limit=1e9",
            ])
          : "";
      const response = await call(method, `${path}${query}`, method === "GET" ? { key: adminKey() } : options);
      requests++;
      expect(response.status, `${method} ${path} ${response.text.slice(0, 300)}`).toBeLessThan(500);
      if (response.status >= 400) {
        expect(response.headers.get("content-type"), `${method} ${path}`).toBe("application/problem+json");
        expect(response.json).toMatchObject({ status: response.status, title: expect.any(String) });
      }
    }
    expect(requests).toBe(ROUNDS);
    expect(await db.trunk.count()).toBe(trunksBefore);
    expect(await db.webhookEndpoint.count()).toBe(endpointsBefore);
  }, 240_000);
});

describe("rate limit", () => {
  it("lets exactly the limit through per key and window, even in parallel, with RateLimit headers and a 429", async () => {
    const limited = apiClient(createApiHandler({ db, registrar: () => registrar, rateLimit: 5 }));
    const key = (await apiKeyFor(db, await createActor(db, "SUPPORT"))).secret;
    const first = await limited("GET", "/sip-servers", { key });
    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-limit")).toBe("5");
    expect(first.headers.get("ratelimit-remaining")).toBe("4");
    expect(Number(first.headers.get("ratelimit-reset"))).toBeGreaterThan(0);
    const burst = await Promise.all(Array.from({ length: 20 }, () => limited("GET", "/sip-servers", { key })));
    const passed = burst.filter((response) => response.status === 200).length;
    // The window may roll over during the burst; then a fresh window allows 5 more at most.
    expect([4, 9]).toContain(passed);
    const refused = burst.find((response) => response.status === 429);
    expect(refused?.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(refused?.headers.get("content-type")).toBe("application/problem+json");
    // Another key has its own quota.
    const other = (await apiKeyFor(db, await createActor(db, "SUPPORT"))).secret;
    expect((await limited("GET", "/sip-servers", { key: other })).status).toBe(200);
  });
});
