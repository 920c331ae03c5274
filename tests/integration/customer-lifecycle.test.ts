import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { portalAuthAdapter } from "../../lib/auth/adapter";
import type { Actor } from "../../lib/auth/policy";
import { loadSession, startSession } from "../../lib/auth/sessions";
import { executeCommand } from "../../lib/commands";
import { createRevealLink } from "../../lib/credentials/reveal-links";
import { createDemoAccount, updateCustomer } from "../../lib/customers";
import type { Db } from "../../lib/db";
import { NotFoundError } from "../../lib/errors";
import { checkRevealLink, getOwnTrunk, listOwnTrunks, openRevealLink, revealOwnTrunkPassword } from "../../lib/portal";
import { createTrunk, createTrunks, deleteTrunk, setTrunkStatus } from "../../lib/trunks";
import { contextFor, createActor, createPortalDatabase } from "../support/portal";

let db: Db;
let serverId: string;
let admin: Actor;
let sales: Actor;

beforeAll(async () => {
  ({ db } = await createPortalDatabase("lifecycle"));
  serverId = (
    await db.sipServer.create({ data: { hostname: "Sip.Life.example", realm: "sip.life.example", label: "x" } })
  ).id;
  admin = await createActor(db, "ADMIN");
  sales = await createActor(db, "SALES");
});
afterAll(() => db?.$disconnect());

const meta = { ip: "192.0.2.1", userAgent: "vitest" };
let count = 0;

/** A customer (from sales' demo form) with two trunks, and their signed-in portal user. */
async function customerWithTrunks() {
  count++;
  const created = await executeCommand(createDemoAccount, contextFor(db, sales), {
    company: `Lifecycle ${count}`,
    contactName: "Lee",
    contactEmail: `lee${count}@lifecycle.example`,
  });
  if (!created.ok) throw new Error(created.formError);
  const second = await executeCommand(createTrunk, contextFor(db, sales), {
    customerId: created.value.customer.id,
    serverIds: serverId,
    callLimit: "2",
    dialPermission: "US_ONLY",
    callerIdPolicy: "FORCED",
  });
  if (!second.ok) throw new Error(second.formError);
  const user = await db.user.findUniqueOrThrow({ where: { email: `lee${count}@lifecycle.example` } });
  const actor: Actor = {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    customerId: user.customerId,
  };
  return { customer: created.value.customer, trunks: [created.value.trunk, second.value], actor };
}

function setStatus(
  customer: { id: string; company: string; contactName: string; contactEmail: string },
  status: string,
) {
  return executeCommand(updateCustomer, contextFor(db, sales), {
    customerId: customer.id,
    company: customer.company,
    contactName: customer.contactName,
    contactEmail: customer.contactEmail,
    status,
  });
}

/** Empties the job queue (as if the worker had run everything), so new jobs stand out. */
const clearJobs = () => db.$executeRaw`DELETE FROM graphile_worker._private_jobs`;

/** Each trunk's pending sync request, as the worker will see it. */
async function syncRequests(trunkIds: string[]) {
  const trunks = await db.trunk.findMany({ where: { id: { in: trunkIds } }, orderBy: { createdAt: "asc" } });
  const jobs = await db.$queryRaw<{ key: string }[]>`
    SELECT key FROM graphile_worker.jobs WHERE key = ANY(${trunkIds.map((id) => `sync-trunk:${id}`)})`;
  return { versions: trunks.map((trunk) => [trunk.syncState, trunk.syncVersion]), jobs: jobs.length };
}

describe("suspending, closing and re-activating a customer", () => {
  it("queues a registrar sync of every trunk, in the same change", async () => {
    const { customer, trunks } = await customerWithTrunks();
    const ids = trunks.map((trunk) => trunk.id);
    // Settle the creation syncs, as the worker would.
    await db.trunk.updateMany({ where: { id: { in: ids } }, data: { syncState: "SYNCED" } });
    await clearJobs();

    expect((await setStatus(customer, "SUSPENDED")).ok).toBe(true);
    expect(await syncRequests(ids)).toEqual({
      versions: [
        ["PENDING", 2],
        ["PENDING", 2],
      ],
      jobs: 2,
    });

    await clearJobs();
    expect((await setStatus(customer, "ACTIVE")).ok).toBe(true);
    expect(await syncRequests(ids)).toEqual({
      versions: [
        ["PENDING", 3],
        ["PENDING", 3],
      ],
      jobs: 2,
    });

    await clearJobs();
    expect((await setStatus(customer, "CLOSED")).ok).toBe(true);
    expect((await syncRequests(ids)).jobs).toBe(2);

    // An edit that keeps the status changes nothing at the registrar.
    await clearJobs();
    const renamed = await executeCommand(updateCustomer, contextFor(db, sales), {
      customerId: customer.id,
      company: "Renamed Ltd",
      contactName: customer.contactName,
      contactEmail: customer.contactEmail,
      status: "CLOSED",
    });
    expect(renamed.ok).toBe(true);
    expect((await syncRequests(ids)).jobs).toBe(0);
  });

  it("adds no trunk to a suspended or closed account, one or many, until it is active again", async () => {
    const { customer } = await customerWithTrunks();
    const order = {
      customerId: customer.id,
      serverIds: serverId,
      callLimit: "2",
      dialPermission: "US_ONLY",
      callerIdPolicy: "FORCED",
    };
    const trunksAndMails = async () => ({
      trunks: await db.trunk.count({ where: { customerId: customer.id } }),
      credentialsMails: await db.mail.count({
        where: { customerId: customer.id, kind: { startsWith: "credentials." } },
      }),
    });
    const before = await trunksAndMails();
    for (const [status, word] of [
      ["SUSPENDED", "suspended"],
      ["CLOSED", "closed"],
    ]) {
      expect((await setStatus(customer, status as string)).ok).toBe(true);
      const message = `This account is ${word}: set it active again before adding trunks.`;
      expect(await executeCommand(createTrunk, contextFor(db, sales), order)).toMatchObject({
        ok: false,
        reason: "conflict",
        formError: message,
      });
      expect(await executeCommand(createTrunks, contextFor(db, sales), { ...order, count: "3" })).toMatchObject({
        ok: false,
        reason: "conflict",
        formError: message,
      });
      expect(await trunksAndMails(), status).toEqual(before);
    }

    expect((await setStatus(customer, "ACTIVE")).ok).toBe(true);
    expect((await executeCommand(createTrunks, contextFor(db, sales), { ...order, count: "2" })).ok).toBe(true);
    expect((await trunksAndMails()).trunks).toBe(before.trunks + 2);
  });

  it("locks the customer's users out: no sign-in link, no session, no reveal", async () => {
    const { customer, trunks, actor } = await customerWithTrunks();
    const adapter = portalAuthAdapter(db);
    const reveal = () =>
      executeCommand(
        revealOwnTrunkPassword,
        { ...contextFor(db, actor), authenticatedAt: new Date() },
        { trunkId: trunks[0]?.id },
      );
    const sessionId = await startSession(db, actor.id, "email-link", { ip: "127.0.0.1", userAgent: "vitest" });
    expect(await adapter.getUserByEmail?.(actor.email)).toMatchObject({ id: actor.id });
    expect(await loadSession(db, actor.id, sessionId)).toMatchObject({ actor: { id: actor.id } });
    expect((await reveal()).ok).toBe(true);

    for (const status of ["SUSPENDED", "CLOSED"]) {
      expect((await setStatus(customer, status)).ok).toBe(true);
      expect(await adapter.getUserByEmail?.(actor.email), status).toBeNull();
      expect(await loadSession(db, actor.id, sessionId), status).toBeNull();
      expect(await reveal(), status).toMatchObject({ ok: false, reason: "conflict" });
    }

    expect((await setStatus(customer, "ACTIVE")).ok).toBe(true);
    expect(await adapter.getUserByEmail?.(actor.email)).toMatchObject({ id: actor.id });
    expect((await reveal()).ok).toBe(true);
  });
});

describe("a one-time reveal link", () => {
  it("shows nothing, and stays unused, while the trunk is disabled or the account is not active", async () => {
    const { customer, trunks } = await customerWithTrunks();
    const trunkId = trunks[0]?.id ?? "";
    const token = await db.$transaction((tx) => createRevealLink(tx, trunkId));
    const support = await createActor(db, "SUPPORT");

    await executeCommand(setTrunkStatus, contextFor(db, support), { trunkId, status: "DISABLED" });
    expect(await checkRevealLink(db, token)).toEqual({ state: "unavailable" });
    expect(await openRevealLink(db, token, meta)).toEqual({ state: "unavailable" });
    await executeCommand(setTrunkStatus, contextFor(db, support), { trunkId, status: "ACTIVE" });

    await setStatus(customer, "SUSPENDED");
    expect(await openRevealLink(db, token, meta)).toEqual({ state: "unavailable" });
    await setStatus(customer, "ACTIVE");

    expect(await checkRevealLink(db, token)).toEqual({ state: "valid" });
    expect(await openRevealLink(db, token, meta)).toMatchObject({ state: "revealed", username: trunks[0]?.username });
    expect(await db.auditLog.count({ where: { action: "trunk.reveal-password", targetId: trunkId } })).toBe(1);
  });

  it("shows nothing for a deleted trunk", async () => {
    const { trunks } = await customerWithTrunks();
    const trunkId = trunks[0]?.id ?? "";
    await executeCommand(deleteTrunk, contextFor(db, admin), { trunkId });
    // Deleting supersedes the trunk's links; one made anyway (e.g. by a resend racing the delete) shows nothing.
    const token = await db.$transaction((tx) => createRevealLink(tx, trunkId));
    expect(await openRevealLink(db, token, meta)).toEqual({ state: "unavailable" });
  });
});

describe("the customer portal", () => {
  it("neither lists a deleted trunk nor reveals its password", async () => {
    const { trunks, actor } = await customerWithTrunks();
    const [kept, deleted] = trunks;
    if (!kept || !deleted) throw new Error("setup failed");
    expect((await executeCommand(deleteTrunk, contextFor(db, admin), { trunkId: deleted.id })).ok).toBe(true);

    expect((await listOwnTrunks(db, actor)).trunks.map((trunk) => trunk.id)).toEqual([kept.id]);
    await expect(getOwnTrunk(db, actor, deleted.id)).rejects.toBeInstanceOf(NotFoundError);
    const reveal = await executeCommand(
      revealOwnTrunkPassword,
      { ...contextFor(db, actor), authenticatedAt: new Date() },
      { trunkId: deleted.id },
    );
    expect(reveal).toMatchObject({ ok: false, reason: "not-found" });
    expect(await db.auditLog.count({ where: { action: "trunk.reveal-password", targetId: deleted.id } })).toBe(0);
  });
});
