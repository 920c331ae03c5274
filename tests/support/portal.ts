import { randomBytes } from "node:crypto";
import type pg from "pg";
import { hashPassword } from "../../lib/auth/passwords";
import { type Actor, actorOf } from "../../lib/auth/policy";
import { type CommandContext, executeCommand } from "../../lib/commands";
import { digestHashes } from "../../lib/credentials/digest";
import { createDemoAccount } from "../../lib/customers";
import { createDb, type Db } from "../../lib/db";
import type { Role } from "../../lib/generated/prisma/enums";
import { jobTasks } from "../../lib/jobs/tasks";
import { startWorker } from "../../lib/jobs/worker";
import { createMailTransport } from "../../lib/mail/transport";
import { createKamailioSqlRegistrar, type KamailioSqlRegistrarOptions } from "../../lib/registrar/kamailio-sql";
import { ensureRegistrarSchema } from "../../lib/registrar/schema";
import { createTrunks } from "../../lib/trunks";
import type { WebhookNetworkPolicy } from "../../lib/webhooks/network";
import { createTestDatabase } from "./database";
import { PORTAL_TEMPLATE } from "./portal-template";

/** A migrated, empty portal database on the test cluster, with the job queue's schema (a copy of the template). */
export async function createPortalDatabase(prefix = "portal"): Promise<{ db: Db; url: string }> {
  const url = await createTestDatabase(prefix, PORTAL_TEMPLATE);
  return { db: createDb(url), url };
}

/** A user of the given role; customers get a customer account of their own unless one is given. */
export async function createActor(db: Db, role: Role, customerId?: string): Promise<Actor> {
  const suffix = randomBytes(4).toString("hex");
  let ownCustomerId = customerId ?? null;
  if (role === "CUSTOMER" && !ownCustomerId) {
    const customer = await db.customer.create({
      data: { company: `Customer ${suffix}`, contactName: "C", contactEmail: `c-${suffix}@example.com` },
    });
    ownCustomerId = customer.id;
  }
  const user = await db.user.create({
    data: {
      email: `${role.toLowerCase()}-${suffix}@example.com`,
      name: `${role} ${suffix}`,
      role,
      customerId: ownCustomerId,
      passwordHash: role === "CUSTOMER" ? null : await hashPassword("correct horse battery staple"),
    },
  });
  return actorOf(user);
}

export function contextFor(db: Db, actor: Actor | null): CommandContext {
  return { db, actor, meta: { ip: "127.0.0.1", userAgent: "vitest" } };
}

/**
 * Runs the real worker (all tasks, as `npm run worker` runs them) in this process against this test's database, a
 * fresh registrar database (or `registrarUrl`: one behind a proxy, or one a previous worker was writing to) and an
 * SMTP URL.
 */
export async function startTestWorker(options: {
  db: Db;
  url: string;
  smtpUrl?: string;
  staleAfterMs?: number;
  /** Where webhooks may go; by default plain http to 127.0.0.1, where tests run their receivers. */
  webhookPolicy?: WebhookNetworkPolicy;
  registrarUrl?: string;
  registrarOptions?: KamailioSqlRegistrarOptions;
}) {
  let registrarUrl = options.registrarUrl;
  if (!registrarUrl) {
    registrarUrl = await createTestDatabase("registrar");
    await ensureRegistrarSchema(registrarUrl);
  }
  const registrar = createKamailioSqlRegistrar(registrarUrl, options.registrarOptions);
  const runner = await startWorker({
    connectionString: options.url,
    staleAfterMs: options.staleAfterMs,
    taskList: jobTasks({
      db: options.db,
      registrar,
      transport: createMailTransport(options.smtpUrl),
      mailFrom: "Trunk Portal Tests <portal@test.example>",
      removeUnknownSubscribers: false,
      webhookPolicy: options.webhookPolicy ?? { httpHosts: ["127.0.0.1"], allowPrivateAddresses: true },
    }),
  });
  let stopped = false;
  return {
    registrar,
    registrarUrl,
    async stop() {
      if (stopped) return;
      stopped = true;
      await runner.stop();
      await registrar.close();
    },
  };
}

/**
 * Waits until no job of `task` is left in the queue (done or given up): after that, nothing more can be sent or
 * synced for what the test created, so "exactly once" can be checked without sleeping.
 */
export async function waitForQueueToDrain(db: Db, task: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await db.$queryRaw<{ count: bigint }[]>`
      SELECT count(*) FROM graphile_worker.jobs WHERE task_identifier = ${task} AND attempts < max_attempts`;
    if (Number(row?.count ?? 0) === 0) return;
    if (Date.now() > deadline) throw new Error(`${row?.count} ${task} job(s) still queued after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * What a lost race used to leave behind: the portal's stored digests of a trunk, and the registrar's rows, both hold
 * the HA1/HA1b of a password the customer does not have.
 */
export async function plantStaleDigests(
  db: Db,
  registrarDb: pg.Client,
  trunk: { id: string; username: string },
  realm: string,
) {
  const stale = digestHashes(trunk.username, realm, "a password nobody holds");
  await db.trunkServer.updateMany({ where: { trunkId: trunk.id }, data: stale });
  await registrarDb.query("UPDATE subscriber SET ha1 = $2, ha1b = $3 WHERE username = $1", [
    trunk.username,
    stale.ha1,
    stale.ha1b,
  ]);
}

/** Sales' one-step demo account, as the demo form creates it; returns its trunk. */
export async function createDemoTrunk(db: Db, sales: Actor, company: string) {
  const slug = company.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  const created = await executeCommand(createDemoAccount, contextFor(db, sales), {
    company,
    contactName: "Pat Demo",
    contactEmail: `${slug}@demo.example`,
  });
  if (!created.ok) throw new Error(created.formError);
  return created.value.trunk;
}

/**
 * Takes every queued job of `task` off the queue (oldest first) and returns their payloads: a test without a worker
 * can then look at what was queued and run it as the worker would.
 */
export async function takeQueuedJobs<Payload>(db: Db, task: string): Promise<Payload[]> {
  const jobs = await db.$queryRaw<{ id: bigint; payload: Payload }[]>`
    DELETE FROM graphile_worker._private_jobs j USING graphile_worker._private_tasks t
    WHERE t.id = j.task_id AND t.identifier = ${task}
    RETURNING j.id, j.payload`;
  return jobs.sort((a, b) => Number(a.id - b.id)).map((job) => job.payload);
}

/** `count` trunks of a new customer of `company`, created together by sales' batch command (the bulk path). */
export async function createTrunkBatch(db: Db, sales: Actor, serverId: string, company: string, count: number) {
  const slug = company.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  const customer = await db.customer.create({
    data: { company, contactName: "Pat Batch", contactEmail: `${slug}@batch.example` },
  });
  const created = await executeCommand(createTrunks, contextFor(db, sales), {
    customerId: customer.id,
    serverIds: serverId,
    count: String(count),
    callLimit: "5",
    dialPermission: "US_ONLY",
    callerIdPolicy: "FORCED",
  });
  if (!created.ok) throw new Error(created.formError);
  return created.value;
}
