/**
 * A sync that fails for a reason retrying cannot fix (the registrar refuses the data) marks the trunk as needing
 * attention with the reason, and is not retried; one that fails for a passing reason (the registrar is down) is
 * retried within minutes, and the trunk shows the retry's real run time, read from the job queue. The same goes for
 * mail. Through the real worker, a real registrar database, a real HTTP receiver and a real (stopped) SMTP server.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../lib/auth/policy";
import { executeCommand } from "../../lib/commands";
import { createCustomer } from "../../lib/customers";
import type { Db } from "../../lib/db";
import { RETRY_MAX_DELAY_MS } from "../../lib/jobs/queue";
import { jobTasks } from "../../lib/jobs/tasks";
import { startWorker } from "../../lib/jobs/worker";
import { createMailTransport } from "../../lib/mail/transport";
import { createHttpRegistrar } from "../../lib/registrar/http";
import { createKamailioSqlRegistrar } from "../../lib/registrar/kamailio-sql";
import { ensureRegistrarSchema } from "../../lib/registrar/schema";
import type { Registrar } from "../../lib/registrar/types";
import { createTrunk, requestResync, updateTrunk } from "../../lib/trunks";
import { createTestDatabase } from "../support/database";
import { contextFor, createActor, createPortalDatabase } from "../support/portal";

let db: Db;
let url: string;
let jobs: pg.Pool;
let admin: Actor;
let serverId: string;
let customerId: string;
let runner: Awaited<ReturnType<typeof startWorker>>;
let refusing: Server;
const closeRegistrars: Registrar[] = [];

/** The registrar the worker talks to, switched per test: each is a real adapter against a real peer. */
let current: Registrar;
const registrar: Registrar = {
  put: (subscriber) => current.put(subscriber),
  remove: (username) => current.remove(username),
  apply: (changes) => current.apply(changes),
  snapshots: (usernames) => current.snapshots(usernames),
  usernames: (after, limit) => current.usernames(after, limit),
  registrations: (usernames) => current.registrations(usernames),
  putProviderPolicy: (policy) => current.putProviderPolicy(policy),
  callRecords: (query) => current.callRecords(query),
  refusals: (query) => current.refusals(query),
  authFailures: (query) => current.authFailures(query),
  purgeRecords: (before) => current.purgeRecords(before),
  registeredUsernames: () => current.registeredUsernames(),
  status: () => current.status(),
  close: async () => {},
};
let working: Registrar;
/** Nothing listens there: every attempt fails the way an outage does. */
let unreachable: Registrar;
/** An HTTP receiver that refuses every subscriber as sent (422). */
let refusingHttp: Registrar;

beforeAll(async () => {
  ({ db, url } = await createPortalDatabase("retries"));
  jobs = new pg.Pool({ connectionString: url, max: 2 });
  admin = await createActor(db, "ADMIN");
  serverId = (
    await db.sipServer.create({ data: { hostname: "Sip1.Example.net", realm: "sip1.example.net", label: "P" } })
  ).id;
  const customer = await executeCommand(createCustomer, contextFor(db, admin), {
    company: "Retry Co",
    contactName: "Pat",
    contactEmail: "pat@retry.example",
  });
  if (!customer.ok) throw new Error(customer.formError);
  customerId = customer.value.id;

  const registrarUrl = await createTestDatabase("registrar");
  await ensureRegistrarSchema(registrarUrl);
  working = createKamailioSqlRegistrar(registrarUrl);
  unreachable = createKamailioSqlRegistrar("postgresql://nobody:nothing@127.0.0.1:1/none", { connectTimeoutMs: 2000 });
  refusing = createServer((request, response) => {
    request.resume();
    response.writeHead(422, { "content-type": "application/json" });
    response.end('{"error":"unsupported country"}');
  });
  await new Promise<void>((resolve) => refusing.listen(0, "127.0.0.1", resolve));
  refusingHttp = createHttpRegistrar({
    baseUrl: `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/api`,
    secret: "a-very-long-shared-secret-for-the-test-registrar",
  });
  closeRegistrars.push(working, unreachable);
  current = working;
  runner = await startWorker({
    connectionString: url,
    taskList: jobTasks({
      db,
      registrar,
      // Port 1: the SMTP server is down.
      transport: createMailTransport("smtp://127.0.0.1:1"),
      mailFrom: "Trunk Portal Tests <portal@test.example>",
      removeUnknownSubscribers: false,
      webhookPolicy: { httpHosts: [], allowPrivateAddresses: false },
    }),
  });
});

afterAll(async () => {
  await runner?.stop();
  for (const each of closeRegistrars) await each.close();
  await new Promise<void>((resolve) => (refusing ? refusing.close(() => resolve()) : resolve()));
  await jobs?.end();
  await db?.$disconnect();
});

const form = {
  serverIds: "",
  callLimit: "5",
  dialPermission: "US_ONLY",
  callerIdPolicy: "FORCED",
  forcedCallerId: "+19195550100",
  forcedCallerIdName: "Front Desk",
};

async function newTrunk() {
  const created = await executeCommand(createTrunk, contextFor(db, admin), {
    customerId,
    ...form,
    serverIds: serverId,
  });
  if (!created.ok) throw new Error(JSON.stringify(created));
  return created.value;
}

const trunkState = (trunkId: string) => db.trunk.findUniqueOrThrow({ where: { id: trunkId } });

/** The queued job for a key (graphile-worker's public view), or null. */
async function jobFor(key: string) {
  const { rows } = await jobs.query<{ run_at: Date; attempts: number; locked_at: Date | null }>(
    "SELECT run_at, attempts, locked_at FROM graphile_worker.jobs WHERE key = $1",
    [key],
  );
  return rows[0] ?? null;
}

async function waitForState(trunkId: string, syncState: string) {
  await expect.poll(async () => (await trunkState(trunkId)).syncState, { timeout: 15_000 }).toBe(syncState);
  return trunkState(trunkId);
}

describe("a sync the registrar refuses", () => {
  it("marks the trunk as needing attention with the reason, and does not retry it", async () => {
    current = working;
    const trunk = await newTrunk();
    await waitForState(trunk.id, "SYNCED");
    // Data saved before the portal checked caller-ID names (or by another tool): the registrar's schema refuses it.
    await db.trunk.update({ where: { id: trunk.id }, data: { forcedCallerIdName: "Front\tDesk" } });
    expect((await executeCommand(requestResync, contextFor(db, admin), { trunkId: trunk.id })).ok).toBe(true);

    const refused = await waitForState(trunk.id, "NEEDS_ATTENTION");
    expect(refused.syncError).toMatch(/forcedCallerIdName/);
    expect(refused.syncNextAttemptAt).toBeNull();
    // Nothing is queued for it, and it stays so.
    expect(await jobFor(`sync-trunk:${trunk.id}`)).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await trunkState(trunk.id)).toMatchObject({ syncState: "NEEDS_ATTENTION", syncAttempts: 1 });

    // Correcting the trunk is what brings it back.
    const fixed = await executeCommand(updateTrunk, contextFor(db, admin), {
      trunkId: trunk.id,
      ...form,
      serverIds: serverId,
    });
    expect(fixed.ok).toBe(true);
    expect(await waitForState(trunk.id, "SYNCED")).toMatchObject({ syncError: null, syncAttempts: 0 });
  });

  it("an HTTP registrar answering 422 to the trunk is a refusal too", async () => {
    current = refusingHttp;
    try {
      const trunk = await newTrunk();
      const refused = await waitForState(trunk.id, "NEEDS_ATTENTION");
      expect(refused.syncError).toMatch(/422/);
      expect(await jobFor(`sync-trunk:${trunk.id}`)).toBeNull();
    } finally {
      current = working;
    }
  });
});

describe("a sync that fails while the registrar is down", () => {
  it("is retried within minutes, and the trunk shows the retry's real run time from the queue", async () => {
    current = unreachable;
    try {
      const trunk = await newTrunk();
      const failed = await waitForState(trunk.id, "FAILED");
      expect(failed.syncError).toMatch(/ECONNREFUSED|connect/);
      const job = await jobFor(`sync-trunk:${trunk.id}`);
      expect(job?.run_at.getTime()).toBe(failed.syncNextAttemptAt?.getTime());
      // First retry a few seconds out.
      expect((failed.syncNextAttemptAt?.getTime() ?? 0) - Date.now()).toBeLessThan(10_000);

      // Long outage: after 30 failures the next attempt is still at most minutes away (graphile-worker alone would
      // wait 6 hours).
      await db.trunk.update({ where: { id: trunk.id }, data: { syncAttempts: 30 } });
      await jobs.query("UPDATE graphile_worker._private_jobs SET run_at = now() WHERE key = $1", [
        `sync-trunk:${trunk.id}`,
      ]);
      await expect.poll(async () => (await trunkState(trunk.id)).syncAttempts, { timeout: 15_000 }).toBe(31);
      const later = await trunkState(trunk.id);
      const delay = (later.syncNextAttemptAt?.getTime() ?? 0) - Date.now();
      expect(delay).toBeGreaterThan(RETRY_MAX_DELAY_MS - 60_000);
      expect(delay).toBeLessThanOrEqual(RETRY_MAX_DELAY_MS);
      expect((await jobFor(`sync-trunk:${trunk.id}`))?.run_at.getTime()).toBe(later.syncNextAttemptAt?.getTime());

      // A change made meanwhile is not held back by the backoff: it syncs as soon as the registrar is back.
      current = working;
      expect((await executeCommand(requestResync, contextFor(db, admin), { trunkId: trunk.id })).ok).toBe(true);
      expect(await waitForState(trunk.id, "SYNCED")).toMatchObject({ syncAttempts: 0, syncNextAttemptAt: null });
    } finally {
      current = working;
    }
  });
});

describe("mail while the SMTP server is down", () => {
  it("stays queued with the real run time of its next attempt, minutes away at most", async () => {
    const trunk = await newTrunk();
    const mail = await db.mail.findFirstOrThrow({ where: { trunkId: trunk.id } });
    await expect
      .poll(async () => (await db.mail.findUniqueOrThrow({ where: { id: mail.id } })).lastError, { timeout: 15_000 })
      .toMatch(/ECONNREFUSED/);
    const queued = await db.mail.findUniqueOrThrow({ where: { id: mail.id } });
    expect(queued).toMatchObject({ status: "QUEUED", lastError: expect.stringMatching(/ECONNREFUSED/) });
    expect((await jobFor(`mail:${mail.id}`))?.run_at.getTime()).toBe(queued.nextAttemptAt?.getTime());
    expect((queued.nextAttemptAt?.getTime() ?? 0) - Date.now()).toBeLessThanOrEqual(RETRY_MAX_DELAY_MS);
  });
});
