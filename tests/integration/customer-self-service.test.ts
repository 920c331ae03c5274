import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { portalAuthAdapter } from "../../lib/auth/adapter";
import type { Actor } from "../../lib/auth/policy";
import { executeCommand } from "../../lib/commands";
import { createDemoAccount } from "../../lib/customers";
import type { Db } from "../../lib/db";
import { REVEALS_PER_WINDOW, resetOwnTrunkPassword } from "../../lib/portal";
import { INVITATION_LINK_HOURS, inviteColleague } from "../../lib/portal/invite";
import { revealTrunkPassword, setTrunkStatus } from "../../lib/trunks";
import { contextFor, createActor, createPortalDatabase, startTestWorker } from "../support/portal";
import { TestSmtpServer } from "../support/smtp";

const HOST = "Sip1.SelfService.example";
let db: Db;
let url: string;
let smtp: TestSmtpServer;
let worker: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  ({ db, url } = await createPortalDatabase("selfservice"));
  await db.sipServer.create({ data: { hostname: HOST, realm: "sip1.selfservice.example", label: "US" } });
  smtp = await new TestSmtpServer().start();
  worker = await startTestWorker({ db, url, smtpUrl: smtp.url });
});
afterAll(async () => {
  await worker?.stop();
  await smtp?.stop();
  await db?.$disconnect();
});

let accounts = 0;
/** A demo account made by sales, and its contact signed in to the portal a minute ago. */
async function customerWithTrunk() {
  const name = `Self ${++accounts} ${Date.now()}`;
  const contactEmail = `self-${accounts}-${Date.now()}@customer.example`;
  const created = await executeCommand(createDemoAccount, contextFor(db, await createActor(db, "SALES")), {
    company: name,
    contactName: "Sam Self",
    contactEmail,
  });
  if (!created.ok) throw new Error(created.formError);
  const user = await db.user.findUniqueOrThrow({ where: { email: contactEmail } });
  const actor: Actor = {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    customerId: user.customerId,
  };
  return {
    actor,
    contactEmail,
    trunk: created.value.trunk,
    ctx: { ...contextFor(db, actor), authenticatedAt: new Date(Date.now() - 60_000) },
  };
}

async function passwordOf(trunkId: string) {
  const revealed = await executeCommand(revealTrunkPassword, contextFor(db, await createActor(db, "SUPPORT")), {
    trunkId,
  });
  if (!revealed.ok) throw new Error("reveal failed");
  return revealed.value.password;
}

describe("a customer resetting their own SIP password", () => {
  it("gets new digests, a sync at a new version, the reset email, and an audit entry in their name", async () => {
    const { actor, contactEmail, trunk, ctx } = await customerWithTrunk();
    const before = await db.trunk.findUniqueOrThrow({ where: { id: trunk.id }, include: { servers: true } });
    const oldPassword = await passwordOf(trunk.id);

    const result = await executeCommand(resetOwnTrunkPassword, ctx, { trunkId: trunk.id });
    expect(result).toMatchObject({ ok: true, value: { syncVersion: before.syncVersion + 1 } });

    const after = await db.trunk.findUniqueOrThrow({ where: { id: trunk.id }, include: { servers: true } });
    expect(await passwordOf(trunk.id)).not.toBe(oldPassword);
    expect(after.servers[0]?.ha1).not.toBe(before.servers[0]?.ha1);
    expect(after.syncVersion).toBe(before.syncVersion + 1);
    const mails = await smtp.waitFor((all) => all.some((m) => m.to === contactEmail && m.subject.includes("reset")));
    expect(mails.find((m) => m.to === contactEmail && m.subject.includes("reset"))?.subject).toBe(
      `Your SIP password was reset (${trunk.username})`,
    );
    expect(
      await db.auditLog.findFirst({
        where: { action: "trunk.reset-password", targetId: trunk.id, actorId: actor.id, actorRole: "CUSTOMER" },
      }),
    ).toMatchObject({ details: { via: "customer" } });
    // The worker syncs it: the registrar then holds the new digests.
    await expect
      .poll(async () => (await db.trunk.findUniqueOrThrow({ where: { id: trunk.id } })).syncState, { timeout: 20_000 })
      .toBe("SYNCED");
    const [row] = await worker.registrar.snapshots([trunk.username]);
    expect(row?.ha1).toBe(after.servers[0]?.ha1);
  });

  it("is refused without a recent sign-in, for another customer's trunk, for a disabled trunk, and past the limit", async () => {
    const alpha = await customerWithTrunk();
    const bravo = await customerWithTrunk();
    const version = async (trunkId: string) =>
      (await db.trunk.findUniqueOrThrow({ where: { id: trunkId } })).syncVersion;
    const alphaVersion = await version(alpha.trunk.id);

    const stale = await executeCommand(
      resetOwnTrunkPassword,
      { ...alpha.ctx, authenticatedAt: new Date(Date.now() - 16 * 60_000) },
      { trunkId: alpha.trunk.id },
    );
    expect(stale).toMatchObject({ ok: false, reason: "conflict", formError: expect.stringMatching(/sign in again/) });

    const bravoVersion = await version(bravo.trunk.id);
    expect(await executeCommand(resetOwnTrunkPassword, alpha.ctx, { trunkId: bravo.trunk.id })).toMatchObject({
      ok: false,
      reason: "not-found",
    });
    expect(await version(bravo.trunk.id)).toBe(bravoVersion);

    await executeCommand(setTrunkStatus, contextFor(db, await createActor(db, "SUPPORT")), {
      trunkId: bravo.trunk.id,
      status: "DISABLED",
      reason: "Unpaid",
    });
    expect(await executeCommand(resetOwnTrunkPassword, bravo.ctx, { trunkId: bravo.trunk.id })).toMatchObject({
      ok: false,
      formError: expect.stringMatching(/not active/),
    });
    expect(await version(alpha.trunk.id)).toBe(alphaVersion);

    // Parallel requests cannot get past the limit either.
    const results = await Promise.all(
      Array.from({ length: REVEALS_PER_WINDOW + 3 }, () =>
        executeCommand(resetOwnTrunkPassword, alpha.ctx, { trunkId: alpha.trunk.id }),
      ),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(REVEALS_PER_WINDOW);
    expect(results.find((result) => !result.ok)).toMatchObject({ formError: expect.stringMatching(/Wait 10 minutes/) });
    expect(await version(alpha.trunk.id)).toBe(alphaVersion + REVEALS_PER_WINDOW);
  });
});

describe("a customer inviting a colleague", () => {
  it("adds a user to their own account, who gets a sign-in link on PORTAL_URL that Auth.js accepts once", async () => {
    const { actor, ctx } = await customerWithTrunk();
    const invitee = `Colleague.${Date.now()}@Customer.example`;
    const result = await executeCommand(inviteColleague, ctx, { name: "Casey Colleague", email: invitee });
    expect(result.ok).toBe(true);

    const email = invitee.toLowerCase();
    const user = await db.user.findUniqueOrThrow({ where: { email } });
    expect(user).toMatchObject({ role: "CUSTOMER", customerId: actor.customerId, active: true });
    const mail = (await smtp.waitFor((all) => all.some((m) => m.to === email))).find((m) => m.to === email);
    expect(mail?.subject).toContain(`${actor.name} invited you to`);
    const link = mail?.text.match(/http:\/\/localhost:3000\/api\/auth\/callback\/email\?\S+/)?.[0];
    expect(link, mail?.text).toBeDefined();
    const params = new URL(link ?? "").searchParams;
    expect(params.get("email")).toBe(email);
    expect(params.get("callbackUrl")).toBe("http://localhost:3000/portal");
    expect(mail?.html).toContain(`href="${link?.replaceAll("&", "&amp;")}"`);

    // What Auth.js's email callback does with the link: hash the token with the secret, then use it up.
    const hashed = createHash("sha256")
      .update(`${params.get("token")}${process.env.AUTH_SECRET}`)
      .digest("hex");
    const adapter = portalAuthAdapter(db);
    expect(await adapter.getUserByEmail?.(email)).toMatchObject({ id: user.id });
    const token = await adapter.useVerificationToken?.({ identifier: email, token: hashed });
    expect(token?.expires.getTime()).toBeGreaterThan(Date.now() + (INVITATION_LINK_HOURS - 1) * 3_600_000);
    expect(await adapter.useVerificationToken?.({ identifier: email, token: hashed })).toBeNull();

    expect(
      await db.auditLog.findFirst({ where: { action: "portal.invite-user", actorId: actor.id, targetId: user.id } }),
    ).toMatchObject({ customerId: actor.customerId, details: { email } });
  });

  it("cannot take an address that already has a user, and then sends nothing", async () => {
    const alpha = await customerWithTrunk();
    const bravo = await customerWithTrunk();
    const mailsBefore = await db.mail.count();
    const result = await executeCommand(inviteColleague, alpha.ctx, { name: "Bravo", email: bravo.contactEmail });
    expect(result).toMatchObject({ ok: false, fieldErrors: { email: [expect.stringMatching(/already exists/)] } });
    expect(await db.mail.count()).toBe(mailsBefore);
    expect((await db.user.findUniqueOrThrow({ where: { email: bravo.contactEmail } })).customerId).toBe(
      bravo.actor.customerId,
    );
  });

  it("needs a recent sign-in", async () => {
    const { ctx } = await customerWithTrunk();
    const result = await executeCommand(
      inviteColleague,
      { ...ctx, authenticatedAt: new Date(Date.now() - 16 * 60_000) },
      { name: "Late", email: `late-${Date.now()}@customer.example` },
    );
    expect(result).toMatchObject({ ok: false, formError: expect.stringMatching(/sign in again/) });
  });
});
