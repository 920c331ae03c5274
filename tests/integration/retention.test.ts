import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeCommand } from "../../lib/commands";
import type { Db } from "../../lib/db";
import { newId } from "../../lib/ids";
import { DEFAULT_RETENTION, pruneOldRecords } from "../../lib/retention";
import { createTrunk } from "../../lib/trunks";
import { contextFor, createActor, createPortalDatabase } from "../support/portal";

let db: Db;
let trunkId: string;

beforeAll(async () => {
  ({ db } = await createPortalDatabase("retention"));
  const server = await db.sipServer.create({
    data: { hostname: "Sip1.Keep.example", realm: "sip1.keep.example", label: "x" },
  });
  const customer = await db.customer.create({
    data: { company: "Keep Voice", contactName: "K", contactEmail: "k@keep.example" },
  });
  const created = await executeCommand(createTrunk, contextFor(db, await createActor(db, "SALES")), {
    customerId: customer.id,
    serverIds: server.id,
    callLimit: "5",
    dialPermission: "US_ONLY",
    callerIdPolicy: "FORCED",
  });
  if (!created.ok) throw new Error(created.formError);
  trunkId = created.value.id;
});
afterAll(() => db?.$disconnect());

const now = new Date();
const daysAgo = (days: number) => new Date(now.getTime() - days * 24 * 60 * 60 * 1000);

async function mail(name: string, status: "QUEUED" | "SENT" | "FAILED", createdAt: Date) {
  return db.mail.create({
    data: {
      messageId: `<${name}-${newId()}@retention.example>`,
      kind: "credentials.new",
      to: "k@keep.example",
      subject: name,
      text: `body of ${name}`,
      html: `<p>body of ${name}</p>`,
      secretsSealed: "sealed",
      secretsKeyId: "k1",
      status,
      createdAt,
    },
  });
}

async function audit(action: string, at: Date) {
  return db.auditLog.create({ data: { action, targetType: "user", at } });
}

async function revealLink(expiresAt: Date) {
  return db.revealLink.create({ data: { trunkId, tokenHash: newId(), expiresAt } });
}

describe("the retention prune", () => {
  it("blanks old mail bodies, deletes old sign-in failures and long-expired links, and keeps everything else", async () => {
    const oldSent = await mail("old sent", "SENT", daysAgo(31));
    const oldFailed = await mail("old failed", "FAILED", daysAgo(40));
    const oldQueued = await mail("old but still queued", "QUEUED", daysAgo(31));
    const recentSent = await mail("recent sent", "SENT", daysAgo(29));
    const oldFailure = await audit("auth.sign-in-failed", daysAgo(91));
    const oldPasswordFailure = await audit("auth.password-change-failed", daysAgo(100));
    const recentFailure = await audit("auth.sign-in-failed", daysAgo(89));
    const ancientChange = await audit("trunk.create", daysAgo(800));
    const longExpired = await revealLink(daysAgo(2));
    const justExpired = await revealLink(new Date(now.getTime() - 60 * 60 * 1000));
    const valid = await revealLink(new Date(now.getTime() + 60 * 60 * 1000));

    const pruned = await pruneOldRecords(db, DEFAULT_RETENTION, now);
    expect(pruned).toMatchObject({ mailBodies: 2, signInFailures: 2, revealLinks: 1, auditEntries: 0 });

    for (const { id } of [oldSent, oldFailed]) {
      const row = await db.mail.findUniqueOrThrow({ where: { id } });
      expect(row).toMatchObject({ html: "", secretsSealed: null, secretsKeyId: null, subject: expect.any(String) });
      expect(row.text).toContain("Deleted after 30 days");
    }
    for (const { id, subject } of [oldQueued, recentSent]) {
      const row = await db.mail.findUniqueOrThrow({ where: { id } });
      expect(row).toMatchObject({ text: `body of ${subject}`, secretsSealed: "sealed" });
    }
    const auditIds = (await db.auditLog.findMany({ select: { id: true } })).map((row) => row.id);
    expect(auditIds).not.toContain(oldFailure.id);
    expect(auditIds).not.toContain(oldPasswordFailure.id);
    expect(auditIds).toEqual(expect.arrayContaining([recentFailure.id, ancientChange.id]));
    const links = (await db.revealLink.findMany({ select: { id: true } })).map((row) => row.id);
    expect(links).not.toContain(longExpired.id);
    expect(links).toEqual(expect.arrayContaining([justExpired.id, valid.id]));

    // Running it again changes nothing: what is left is still kept.
    expect(await pruneOldRecords(db, DEFAULT_RETENTION, now)).toEqual({
      mailBodies: 0,
      signInFailures: 0,
      revealLinks: 0,
      auditEntries: 0,
    });
  });

  it("deletes audit entries older than the audit retention, when one is set", async () => {
    const ancient = await audit("customer.create", daysAgo(400));
    const recent = await audit("customer.create", daysAgo(10));
    const pruned = await pruneOldRecords(db, { ...DEFAULT_RETENTION, auditDays: 365 }, now);
    expect(pruned.auditEntries).toBeGreaterThanOrEqual(1);
    expect(await db.auditLog.findUnique({ where: { id: ancient.id } })).toBeNull();
    expect(await db.auditLog.findUnique({ where: { id: recent.id } })).not.toBeNull();
  });
});
