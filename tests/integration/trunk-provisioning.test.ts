import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../lib/auth/policy";
import { executeCommand } from "../../lib/commands";
import { createDb, type Db } from "../../lib/db";
import { mailJobKey } from "../../lib/mail/queue";
import { createTrunk, createTrunks } from "../../lib/trunks";
import { syncJobKey } from "../../lib/trunks/provision";
import { contextFor, createActor, createPortalDatabase } from "../support/portal";

let db: Db;
/** A second database client, as another web instance would hold: it changes what the first one may have cached. */
let otherInstance: Db;
let sales: Actor;
let serverId: string;
let customerId: string;

beforeAll(async () => {
  const created = await createPortalDatabase("provisioning");
  db = created.db;
  otherInstance = createDb(created.url);
  sales = await createActor(db, "SALES");
  const server = await db.sipServer.create({
    data: { hostname: "Sip1.Prov.example", realm: "sip1.prov.example", label: "x" },
  });
  serverId = server.id;
  const customer = await db.customer.create({
    data: { company: "Provo Voice", contactName: "Pat", contactEmail: "pat@provo.example" },
  });
  customerId = customer.id;
});
afterAll(async () => {
  await otherInstance?.$disconnect();
  await db?.$disconnect();
});

const forcedTrunk = { callLimit: "5", dialPermission: "US_ONLY", callerIdPolicy: "FORCED" };

async function jobCount(task: string) {
  const [row] = await db.$queryRaw<{ count: bigint }[]>`
    SELECT count(*) FROM graphile_worker.jobs WHERE task_identifier = ${task}`;
  return Number(row?.count);
}

describe("creating trunks", () => {
  it("writes each trunk of a batch with its hashes, pending sync, queued jobs, credentials email and audit entry", async () => {
    const syncJobs = await jobCount("registrar.sync-trunk");
    const mailJobs = await jobCount("mail.send");
    const result = await executeCommand(createTrunks, contextFor(db, sales), {
      ...forcedTrunk,
      serverIds: serverId,
      customerId,
      count: "4",
    });
    if (!result.ok) throw new Error(result.formError);
    const ids = result.value.map((trunk) => trunk.id);
    const trunks = await db.trunk.findMany({ where: { id: { in: ids } }, include: { servers: true } });
    expect(trunks).toHaveLength(4);
    expect(new Set(trunks.map((trunk) => trunk.username)).size).toBe(4);
    for (const trunk of trunks) {
      expect(trunk).toMatchObject({ syncState: "PENDING", syncVersion: 1, status: "ACTIVE", callLimit: 5 });
      expect(trunk.syncRequestedAt).toBeInstanceOf(Date);
      expect(trunk.servers).toEqual([
        expect.objectContaining({ serverId, ha1: expect.stringMatching(/^[0-9a-f]{32}$/) }),
      ]);
    }
    // One sync job for the batch, naming each of its trunks (not one job per trunk).
    expect(await jobCount("registrar.sync-trunk")).toBe(syncJobs + 1);
    const [batchJob] = await db.$queryRaw<{ payload: { trunkIds: string[] } }[]>`
      SELECT j.payload FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
      WHERE t.identifier = 'registrar.sync-trunk' ORDER BY j.id DESC LIMIT 1`;
    expect(batchJob?.payload.trunkIds).toEqual(ids);
    expect(await jobCount("mail.send")).toBe(mailJobs + 1);
    const mails = await db.mail.findMany({ where: { trunkId: { in: ids } } });
    expect(mails.map((mail) => mail.kind)).toEqual(Array(4).fill("credentials.new"));
    expect(mails.every((mail) => mail.to === "pat@provo.example" && mail.text.includes("Sip1.Prov.example"))).toBe(
      true,
    );
    const audits = await db.auditLog.findMany({ where: { targetId: { in: ids } } });
    expect(audits.map((audit) => [audit.action, audit.actorId])).toEqual(Array(4).fill(["trunk.create", sales.id]));
  });

  it("queues the registrar syncs of new trunks ahead of their credentials emails", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const result = await executeCommand(createTrunk, contextFor(db, sales), {
        ...forcedTrunk,
        serverIds: serverId,
        customerId,
      });
      if (!result.ok) throw new Error(result.formError);
      ids.push(result.value.id);
    }
    // The order graphile-worker takes waiting jobs in: a burst of emails must not delay the registrar.
    const mails = await db.mail.findMany({ where: { trunkId: { in: ids } }, select: { id: true } });
    const keys = [...ids.map(syncJobKey), ...mails.map((mail) => mailJobKey(mail.id))];
    const queue = await db.$queryRaw<{ task: string }[]>`
      SELECT task_identifier AS task FROM graphile_worker.jobs WHERE key = ANY(${keys}::text[])
      ORDER BY priority, run_at, id`;
    expect(queue.map((job) => job.task)).toEqual([
      ...Array(3).fill("registrar.sync-trunk"),
      ...Array(3).fill("mail.send"),
    ]);
  });

  it("creates nothing of a batch when one of its DIDs is taken", async () => {
    const first = await executeCommand(createTrunk, contextFor(db, sales), {
      ...forcedTrunk,
      serverIds: serverId,
      customerId,
      dids: "+12025550123",
    });
    expect(first.ok).toBe(true);
    const before = await db.trunk.count();
    const again = await executeCommand(createTrunks, contextFor(db, sales), {
      ...forcedTrunk,
      serverIds: serverId,
      customerId,
      count: "1",
      dids: "+12025550123",
    });
    expect(again).toMatchObject({ ok: false, reason: "conflict" });
    expect(await db.trunk.count()).toBe(before);
  });

  it("uses the provider settings and servers as they are now, even when another instance changed them", async () => {
    const ctx = contextFor(db, sales);
    const warm = await executeCommand(createTrunk, ctx, { ...forcedTrunk, serverIds: serverId, customerId });
    expect(warm.ok && warm.value.forcedCallerId).toBe("+12025550100");

    // Another web instance changes the provider's caller ID: the next trunk forced to it carries the new number.
    await otherInstance.providerSettings.update({ where: { id: 1 }, data: { forcedCallerId: "+13125550199" } });
    const after = await executeCommand(createTrunk, ctx, { ...forcedTrunk, serverIds: serverId, customerId });
    if (!after.ok) throw new Error(after.formError);
    expect(after.value.forcedCallerId).toBe("+13125550199");

    // A server switched off elsewhere cannot be chosen any more.
    await otherInstance.sipServer.update({ where: { id: serverId }, data: { active: false } });
    const refused = await executeCommand(createTrunk, ctx, { ...forcedTrunk, serverIds: serverId, customerId });
    expect(refused).toMatchObject({ ok: false, reason: "conflict", fieldErrors: { serverIds: [expect.any(String)] } });
    await otherInstance.sipServer.update({ where: { id: serverId }, data: { active: true } });
  });
});
