/**
 * Webhooks on a real PostgreSQL, the real worker and a real HTTP receiver: events are signed so that an independent
 * Standard Webhooks verifier accepts them, exist only if their change committed, survive a receiver outage and a
 * worker killed mid-request, record every attempt, and can be redelivered by hand.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../lib/auth/policy";
import { executeCommand } from "../../lib/commands";
import * as customers from "../../lib/customers";
import { type Db, transaction } from "../../lib/db";
import { ROOT } from "../../lib/paths";
import { ensureRegistrarSchema } from "../../lib/registrar/schema";
import * as trunks from "../../lib/trunks";
import { insertTrunk } from "../../lib/trunks/provision";
import { createWebhookEndpoint, redeliverWebhook, updateWebhookEndpoint } from "../../lib/webhooks/endpoints";
import { DELIVER_WEBHOOK_TASK, type WebhookEventType } from "../../lib/webhooks/events";
import { createTestDatabase } from "../support/database";
import { contextFor, createActor, createPortalDatabase, startTestWorker, waitForQueueToDrain } from "../support/portal";
import { type ReceivedWebhook, TestWebhookReceiver, typeOf, verifyStandardWebhook } from "../support/webhook-receiver";

// The receivers run on this machine over plain http: allowed here as an operator would allow a test host.
process.env.WEBHOOK_HTTP_HOSTS = "127.0.0.1";
process.env.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = "true";

let db: Db;
let url: string;
let admin: Actor;
let serverId: string;
const running: { stop(): Promise<void> }[] = [];
let child: ChildProcess | undefined;

beforeAll(async () => {
  ({ db, url } = await createPortalDatabase("webhooks"));
  admin = await createActor(db, "ADMIN");
  serverId = (
    await db.sipServer.create({ data: { hostname: "Sip.Hooks.example", realm: "sip.hooks.example", label: "x" } })
  ).id;
});
afterEach(async () => {
  child?.kill("SIGKILL");
  for (const thing of running.splice(0).reverse()) await thing.stop();
  // Each test's receivers are gone: its endpoints must not collect (or keep retrying) the next test's events.
  await db.webhookEndpoint.updateMany({ data: { active: false } });
});
afterAll(async () => {
  await db?.$disconnect();
});

async function ok<T>(result: Promise<{ ok: true; value: T } | { ok: false }>): Promise<T> {
  const outcome = await result;
  if (!outcome.ok) throw new Error(`command failed: ${JSON.stringify(outcome)}`);
  return outcome.value;
}

let unique = 0;
const next = () => `${++unique}-${Date.now().toString(36)}`;

async function receiver() {
  const started = await new TestWebhookReceiver().start();
  running.push(started);
  return started;
}
async function worker() {
  const started = await startTestWorker({ db, url, staleAfterMs: 2000 });
  running.push(started);
  return started;
}
async function endpoint(target: string, events: WebhookEventType[]) {
  return ok(executeCommand(createWebhookEndpoint, contextFor(db, admin), { url: target, events }));
}
const newCustomer = () =>
  ok(
    executeCommand(customers.createCustomer, contextFor(db, admin), {
      company: `Hooks ${next()}`,
      contactName: "Pat",
      contactEmail: `hooks-${next()}@example.com`,
    }),
  );
const trunkSettings = () => ({
  serverIds: serverId,
  callLimit: "5",
  dialPermission: "US_ONLY",
  callerIdPolicy: "FORCED",
});
const newTrunk = async (customerId?: string) =>
  ok(
    executeCommand(trunks.createTrunk, contextFor(db, admin), {
      customerId: customerId ?? (await newCustomer()).id,
      ...trunkSettings(),
    }),
  );
const bodyOf = (webhook: ReceivedWebhook) =>
  JSON.parse(webhook.body) as { type: string; timestamp: string; data: Record<string, unknown> };
const about = (trunkId: string) => (webhook: ReceivedWebhook) =>
  (bodyOf(webhook).data.trunk as { id?: string } | undefined)?.id === trunkId;

describe("signed deliveries", () => {
  it("bring each subscribed event, signed the Standard Webhooks way, and nothing else", async () => {
    const hooks = await receiver();
    const { secret, endpoint: registered } = await endpoint(`${hooks.url}/all`, [
      "trunk.created",
      "trunk.updated",
      "trunk.password_reset",
      "trunk.synced",
      "customer.suspended",
    ]);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const narrow = await endpoint(`${hooks.url}/suspensions`, ["customer.suspended"]);
    await worker();

    const customer = await newCustomer();
    const trunk = await newTrunk(customer.id);
    await ok(executeCommand(trunks.resetTrunkPassword, contextFor(db, admin), { trunkId: trunk.id }));
    await ok(executeCommand(trunks.setTrunkStatus, contextFor(db, admin), { trunkId: trunk.id, status: "DISABLED" }));
    await ok(
      executeCommand(customers.setCustomerStatus, contextFor(db, admin), {
        customerId: customer.id,
        status: "SUSPENDED",
      }),
    );

    await hooks.waitFor((received) => {
      const types = new Set(received.map(typeOf));
      return (
        ["trunk.created", "trunk.password_reset", "trunk.updated", "trunk.synced", "customer.suspended"].every((type) =>
          types.has(type),
        ) && received.filter((webhook) => typeOf(webhook) === "customer.suspended").length === 2
      );
    });
    await waitForQueueToDrain(db, DELIVER_WEBHOOK_TASK);
    const toAll = hooks.received.filter((webhook) => webhook.path === "/all");
    const toNarrow = hooks.received.filter((webhook) => webhook.path === "/suspensions");

    // Every request verifies with the endpoint's secret; a changed byte or another secret does not.
    for (const webhook of toAll) expect(verifyStandardWebhook(secret, webhook), webhook.body).toBe(true);
    for (const webhook of toNarrow) expect(verifyStandardWebhook(narrow.secret, webhook)).toBe(true);
    const sample = toAll[0] as ReceivedWebhook;
    expect(verifyStandardWebhook(secret, { ...sample, body: sample.body.replace("trunk", "Trunk") })).toBe(false);
    expect(verifyStandardWebhook(narrow.secret, sample)).toBe(false);

    expect(toNarrow.map(typeOf)).toEqual(["customer.suspended"]);
    expect(bodyOf(toNarrow[0] as ReceivedWebhook).data).toMatchObject({
      customer: { id: customer.id, status: "SUSPENDED", previousStatus: "ACTIVE" },
    });
    const created = toAll.find((webhook) => typeOf(webhook) === "trunk.created" && about(trunk.id)(webhook));
    expect(bodyOf(created as ReceivedWebhook).data).toEqual({
      trunk: {
        id: trunk.id,
        customerId: customer.id,
        username: trunk.username,
        status: "ACTIVE",
      },
    });
    // Only events about syncing carry the sync state, and it is the one the sync recorded.
    const synced = toAll.find((webhook) => typeOf(webhook) === "trunk.synced" && about(trunk.id)(webhook));
    expect(bodyOf(synced as ReceivedWebhook).data.trunk).toMatchObject({ id: trunk.id, syncState: "SYNCED" });
    // The event says a reset happened; it never carries the password, its ciphertext or a hash.
    const stored = await db.trunk.findUniqueOrThrow({ where: { id: trunk.id }, include: { servers: true } });
    for (const webhook of toAll) {
      expect(webhook.body).not.toContain(stored.passwordCiphertext);
      for (const row of stored.servers) expect(webhook.body).not.toContain(row.ha1);
    }
    // Each event is its own message id, the same for every endpoint it went to.
    const ids = toAll.map((webhook) => webhook.headers["webhook-id"]);
    expect(new Set(ids).size).toBe(ids.length);
    const attempts = await db.webhookAttempt.findMany({ where: { delivery: { endpointId: registered.id } } });
    expect(attempts).toHaveLength(toAll.length);
    for (const attempt of attempts) {
      expect(attempt.statusCode).toBe(204);
      expect(attempt.durationMs).toBeGreaterThanOrEqual(0);
    }
  });
});

describe("retries and redelivery", () => {
  it("an event sent while the receiver was down is retried and lands once it is back, every attempt recorded", async () => {
    const hooks = await receiver();
    const { secret, endpoint: registered } = await endpoint(`${hooks.url}/outage`, ["trunk.created"]);
    await hooks.stop();
    await worker();
    const trunk = await newTrunk();

    // The first attempt finds nobody listening: recorded with its error, and the next one is queued seconds away.
    const delivery = async () =>
      db.webhookDelivery.findFirstOrThrow({ where: { endpointId: registered.id }, include: { attempts: true } });
    const deadline = Date.now() + 30_000;
    while ((await delivery()).attempts.length === 0) {
      if (Date.now() > deadline) throw new Error("no attempt recorded");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const failed = await delivery();
    expect(failed.status).toBe("PENDING");
    expect(failed.attempts[0]?.statusCode).toBeNull();
    expect(failed.attempts[0]?.error).toMatch(/ECONNREFUSED/);
    expect(failed.nextAttemptAt?.getTime()).toBeGreaterThan(Date.now() - 1000);
    expect(failed.nextAttemptAt?.getTime()).toBeLessThanOrEqual(Date.now() + 10_000);

    await hooks.start();
    const [arrived] = await hooks.waitFor((received) => received.some(about(trunk.id)));
    expect(verifyStandardWebhook(secret, arrived as ReceivedWebhook)).toBe(true);
    await waitForQueueToDrain(db, DELIVER_WEBHOOK_TASK);
    const delivered = await delivery();
    expect(delivered.status).toBe("SUCCEEDED");
    expect(delivered.attemptCount).toBeGreaterThanOrEqual(2);
    const last = [...delivered.attempts].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime()).at(-1);
    expect(last).toMatchObject({ statusCode: 204, error: null });
  });

  it("a receiver's error answer is recorded with its excerpt, and staff can redeliver by hand (audited)", async () => {
    const hooks = await receiver();
    hooks.answer = () => 500;
    const { secret, endpoint: registered } = await endpoint(`${hooks.url}/errors`, ["trunk.created"]);
    await worker();
    const trunk = await newTrunk();
    await hooks.waitFor((received) => received.some(about(trunk.id)));
    hooks.answer = () => 200;
    const first = await db.webhookDelivery.findFirstOrThrow({
      where: { endpointId: registered.id },
      include: { attempts: true },
    });
    await expect
      .poll(async () => (await db.webhookAttempt.findMany({ where: { deliveryId: first.id } }))[0], { timeout: 10_000 })
      .toMatchObject({ statusCode: 500, responseExcerpt: "answered 500", error: "The receiver answered 500" });

    // The retry lands once the receiver is fixed; SUCCEEDED is final for the worker…
    await expect
      .poll(async () => (await db.webhookDelivery.findUniqueOrThrow({ where: { id: first.id } })).status, {
        timeout: 30_000,
      })
      .toBe("SUCCEEDED");
    const before = hooks.received.filter(about(trunk.id)).length;
    // …but staff can send it again by hand, under the same message id.
    await ok(executeCommand(redeliverWebhook, contextFor(db, admin), { deliveryId: first.id }));
    await hooks.waitFor((received) => received.filter(about(trunk.id)).length === before + 1);
    await waitForQueueToDrain(db, DELIVER_WEBHOOK_TASK);
    const mine = hooks.received.filter(about(trunk.id));
    expect(mine).toHaveLength(before + 1);
    expect(new Set(mine.map((webhook) => webhook.headers["webhook-id"])).size).toBe(1);
    for (const webhook of mine) expect(verifyStandardWebhook(secret, webhook)).toBe(true);
    const delivery = await db.webhookDelivery.findUniqueOrThrow({
      where: { id: first.id },
      include: { attempts: true },
    });
    expect(delivery.status).toBe("SUCCEEDED");
    expect(delivery.attempts).toHaveLength(before + 1);
    expect(delivery.attempts.filter((attempt) => attempt.statusCode === 200)).toHaveLength(2);
    expect(
      await db.auditLog.count({ where: { action: "webhook.redeliver", targetId: registered.id, actorId: admin.id } }),
    ).toBe(1);
  });
});

describe("the outbox", () => {
  it("writes an event only if its change commits", async () => {
    const hooks = await receiver();
    await endpoint(`${hooks.url}/tx`, ["trunk.created", "trunk.updated"]);
    const jobs = async () =>
      Number(
        (
          await db.$queryRaw<{ count: bigint }[]>`
            SELECT count(*) FROM graphile_worker.jobs WHERE task_identifier = ${DELIVER_WEBHOOK_TASK}`
        )[0]?.count,
      );
    const eventsBefore = await db.webhookEvent.count();
    const jobsBefore = await jobs();
    const customer = await db.customer.findUniqueOrThrow({ where: { id: (await newCustomer()).id } });

    // A change that fails after its trunk (and its event) were written inside the transaction leaves neither.
    const username = `rolledback${next().replaceAll("-", "")}`.slice(0, 24);
    await expect(
      transaction(db, async (tx) => {
        await insertTrunk(
          tx,
          { ...contextFor(db, admin), actor: admin },
          customer,
          {
            serverIds: [serverId],
            callLimit: 5,
            dialPermission: "US_ONLY",
            allowedCountries: [],
            callerIdPolicy: "FORCED",
            forcedCallerId: "+19195550100",
            forcedCallerIdName: null,
            dids: [],
          },
          username,
        );
        expect(await tx.webhookEvent.count()).toBe(eventsBefore + 1);
        throw new Error("the rest of the change failed");
      }),
    ).rejects.toThrow("the rest of the change failed");
    // A command refused midway (a DID routed elsewhere) leaves nothing either.
    const taken = await newTrunk();
    await db.did.create({ data: { number: "+19193330999", trunkId: taken.id } });
    const refused = await executeCommand(trunks.updateTrunk, contextFor(db, admin), {
      trunkId: (await newTrunk()).id,
      ...trunkSettings(),
      dids: "+19193330999",
    });
    expect(refused.ok).toBe(false);

    expect(await db.trunk.count({ where: { username } })).toBe(0);
    // Only the two trunks that were created made events: one each.
    expect(await db.webhookEvent.count()).toBe(eventsBefore + 2);
    expect(await jobs()).toBe(jobsBefore + 2);
    expect((await db.webhookEvent.findMany({ orderBy: { createdAt: "desc" }, take: 2 })).map((e) => e.type)).toEqual([
      "trunk.created",
      "trunk.created",
    ]);
  });
});

describe("a worker killed mid-delivery", () => {
  it("does not lose the event: another worker delivers it, under the same message id", async () => {
    const hooks = await receiver();
    hooks.answer = () => "stall";
    const { secret, endpoint: registered } = await endpoint(`${hooks.url}/crash`, ["trunk.created"]);
    const registrarUrl = await createTestDatabase("hooks_registrar");
    await ensureRegistrarSchema(registrarUrl);
    child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "worker.ts")], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url, REGISTRAR_DATABASE_URL: registrarUrl },
      stdio: "ignore",
    });
    const trunk = await newTrunk();

    // The worker process has sent the request and waits for the answer…
    await hooks.waitFor((received) => received.some(about(trunk.id)));
    const delivery = await db.webhookDelivery.findFirstOrThrow({ where: { endpointId: registered.id } });
    expect(delivery.status).toBe("DELIVERING");
    // …when it dies.
    const exited = new Promise((resolve) => child?.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    hooks.answer = () => 204;

    await worker();
    await expect
      .poll(async () => (await db.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).status, {
        timeout: 30_000,
      })
      .toBe("SUCCEEDED");
    const mine = hooks.received.filter(about(trunk.id));
    expect(mine.length).toBeGreaterThanOrEqual(2);
    expect(new Set(mine.map((webhook) => webhook.headers["webhook-id"]))).toEqual(
      new Set([mine[0]?.headers["webhook-id"]]),
    );
    for (const webhook of mine) expect(verifyStandardWebhook(secret, webhook)).toBe(true);
  });
});

describe("endpoints", () => {
  it("are admin-only, validated, audited without their secret, and disabling one stops its deliveries", async () => {
    const sales = await createActor(db, "SALES");
    const denied = await executeCommand(createWebhookEndpoint, contextFor(db, sales), {
      url: "https://hooks.example.com/in",
      events: "trunk.created",
    });
    expect(denied).toMatchObject({ ok: false, reason: "forbidden" });

    const invalid = await executeCommand(createWebhookEndpoint, contextFor(db, admin), {
      url: "http://hooks.example.com/in",
      events: ["trunk.created", "trunk.exploded"],
      secret: "not-a-secret",
    });
    expect(invalid).toMatchObject({
      ok: false,
      reason: "invalid",
      fieldErrors: {
        url: [expect.stringMatching(/https/)],
        events: [expect.stringMatching(/from the list/)],
        secret: [expect.stringMatching(/whsec_/)],
      },
    });

    const hooks = await receiver();
    const given = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
    const { endpoint: registered, secret } = await ok(
      executeCommand(createWebhookEndpoint, contextFor(db, admin), {
        url: `${hooks.url}/given`,
        events: "trunk.created",
        secret: given,
      }),
    );
    expect(secret).toBe(given);
    const stored = await db.webhookEndpoint.findUniqueOrThrow({ where: { id: registered.id } });
    expect(stored.secretSealed).not.toContain(given.slice(6));
    const audit = await db.auditLog.findFirstOrThrow({ where: { action: "webhook.create", targetId: registered.id } });
    expect(JSON.stringify(audit.details)).not.toContain(given.slice(6));

    await ok(
      executeCommand(updateWebhookEndpoint, contextFor(db, admin), {
        endpointId: registered.id,
        url: `${hooks.url}/given`,
        events: "trunk.created",
        active: "false",
      }),
    );
    expect(await db.auditLog.count({ where: { action: "webhook.update", targetId: registered.id } })).toBe(1);
    await newTrunk();
    expect(await db.webhookDelivery.count({ where: { endpointId: registered.id } })).toBe(0);
  });
});
