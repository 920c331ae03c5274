import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  beginTwoFactorSetup,
  changeOwnPassword,
  confirmTwoFactorSetup,
  disableTwoFactor,
  pendingTwoFactorSetup,
  signOutEverywhere,
} from "../../lib/auth/account";
import {
  inspectResetLink,
  PASSWORD_RESET_REQUEST_TASK,
  requestPasswordReset,
  resetPassword,
  sendPasswordReset,
} from "../../lib/auth/password-reset";
import type { Actor } from "../../lib/auth/policy";
import { loadSession, startSession } from "../../lib/auth/sessions";
import { beginStaffSignIn, completeSecondFactor, redeemSignInChallenge } from "../../lib/auth/sign-in";
import { type CommandContext, executeCommand, type RequestMeta } from "../../lib/commands";
import { open } from "../../lib/credentials/encryption";
import { credentialKeyring } from "../../lib/credentials/keyring";
import type { Db } from "../../lib/db";
import { portalUrl } from "../../lib/env";
import { updateTwoFactorRequirement } from "../../lib/settings";
import { forceStaffPasswordReset, updateStaffUser } from "../../lib/staff";
import { contextFor, createActor, createPortalDatabase, takeQueuedJobs } from "../support/portal";
import { totpCode } from "../support/totp";

const PASSWORD = "correct horse battery staple";
const NEW_PASSWORD = "violet lantern 7 harbour";
let db: Db;
beforeAll(async () => {
  ({ db } = await createPortalDatabase("account"));
});
afterAll(() => db?.$disconnect());

let nextAddress = 1;
const fromNewSource = () => ({ ip: `198.51.100.${nextAddress++}`, userAgent: "test" });

/** A signed-in context with a real session row, as the app builds it for a request. */
async function signedIn(actor: Actor): Promise<CommandContext & { actor: Actor }> {
  const meta = fromNewSource();
  return { ...contextFor(db, actor), actor, meta, sessionId: await startSession(db, actor.id, "password", meta) };
}
const stillSignedIn = async (ctx: CommandContext) =>
  Boolean(ctx.actor && ctx.sessionId && (await loadSession(db, ctx.actor.id, ctx.sessionId)));

async function run<Result>(command: Parameters<typeof executeCommand>[0], ctx: CommandContext, input: unknown) {
  const result = await executeCommand(command, ctx, input);
  if (!result.ok) throw new Error(`${command.name}: ${result.formError} ${JSON.stringify(result.fieldErrors)}`);
  return result.value as Result;
}

/** Turns 2FA on the way the setup page does; returns the key the page shows and the recovery codes. */
async function enrol(ctx: CommandContext & { actor: Actor }) {
  await run(beginTwoFactorSetup, ctx, {});
  const setup = await pendingTwoFactorSetup(ctx);
  if (!setup) throw new Error("no pending setup");
  const { recoveryCodes } = await run<{ recoveryCodes: string[] }>(confirmTwoFactorSetup, ctx, {
    code: totpCode(setup.secret),
  });
  return { key: setup.secret, recoveryCodes };
}

/**
 * A code no earlier step has used: the next 30-second step's, which an authenticator whose clock runs a little ahead
 * shows (one step of drift is accepted), so tests need not wait for the clock.
 */
const freshCode = (key: string) => totpCode(key, Date.now(), 1);

describe("sessions", () => {
  it("end everywhere but here when the password changes", async () => {
    const sales = await createActor(db, "SALES");
    const [here, elsewhere] = [await signedIn(sales), await signedIn(sales)];
    const wrong = await executeCommand(changeOwnPassword, here, {
      currentPassword: "not my password",
      newPassword: NEW_PASSWORD,
      confirmPassword: NEW_PASSWORD,
    });
    expect(wrong).toMatchObject({ ok: false, fieldErrors: { currentPassword: [expect.any(String)] } });
    await run(changeOwnPassword, here, {
      currentPassword: PASSWORD,
      newPassword: NEW_PASSWORD,
      confirmPassword: NEW_PASSWORD,
    });
    expect(await stillSignedIn(here)).toBe(true);
    expect(await stillSignedIn(elsewhere)).toBe(false);
    expect(await db.auditLog.count({ where: { action: "auth.password-change", actorId: sales.id } })).toBe(1);
  });

  it("refuse a common new password", async () => {
    const sales = await createActor(db, "SALES");
    const result = await executeCommand(changeOwnPassword, await signedIn(sales), {
      currentPassword: PASSWORD,
      newPassword: "Password2024!",
      confirmPassword: "Password2024!",
    });
    expect(result).toMatchObject({ ok: false, fieldErrors: { newPassword: [expect.stringMatching(/common/)] } });
  });

  it("all end with 'sign out everywhere', and when an admin changes the role or access", async () => {
    const admin = await createActor(db, "ADMIN");
    const support = await createActor(db, "SUPPORT");
    const sessions = [await signedIn(support), await signedIn(support)];
    await run(signOutEverywhere, sessions[0] as CommandContext, {});
    for (const ctx of sessions) expect(await stillSignedIn(ctx)).toBe(false);

    const again = await signedIn(support);
    await run(updateStaffUser, contextFor(db, admin), { userId: support.id, role: "SALES", active: "on" });
    expect(await stillSignedIn(again)).toBe(false);
    const andAgain = await signedIn({ ...support, role: "SALES" });
    await run(updateStaffUser, contextFor(db, admin), { userId: support.id, role: "SALES" });
    expect(await stillSignedIn(andAgain)).toBe(false);
  });
});

describe("two-factor authentication", () => {
  it("is asked for at sign-in once on, with the secret encrypted at rest", async () => {
    const admin = await createActor(db, "ADMIN");
    const { key, recoveryCodes } = await enrol(await signedIn(admin));
    expect(recoveryCodes).toHaveLength(10);
    const stored = await db.user.findUniqueOrThrow({ where: { id: admin.id } });
    expect(stored.totpSecretCiphertext).not.toContain(key);
    expect(JSON.stringify(await db.recoveryCode.findMany({ where: { userId: admin.id } }))).not.toContain(
      recoveryCodes[0],
    );
    expect(
      open(
        credentialKeyring(),
        { ciphertext: stored.totpSecretCiphertext ?? "", keyId: stored.totpSecretKeyId ?? "" },
        `totp:${admin.id}`,
      ),
    ).toBe(key);

    const meta = fromNewSource();
    const started = await beginStaffSignIn(db, admin.email, PASSWORD, meta);
    if (!started.ok) throw new Error("password refused");
    expect(started.secondFactorDue).toBe(true);
    expect(await redeemSignInChallenge(db, started.token)).toBeNull(); // no session before the code
    expect(await completeSecondFactor(db, started.token, "000000", meta)).toEqual({ ok: false, reason: "invalid" });
    const code = freshCode(key);
    expect(await completeSecondFactor(db, started.token, code, meta)).toEqual({ ok: true });
    expect(await redeemSignInChallenge(db, started.token)).toMatchObject({ user: { id: admin.id }, via: "totp" });

    // The same code does not sign in a second time.
    const replay = await beginStaffSignIn(db, admin.email, PASSWORD, meta);
    if (!replay.ok) throw new Error("password refused");
    expect(await completeSecondFactor(db, replay.token, code, meta)).toEqual({ ok: false, reason: "invalid" });
  });

  it("checks at most 5 codes of one pending sign-in, even 20 sent at once from 20 sources", async () => {
    const admin = await createActor(db, "ADMIN");
    const { key, recoveryCodes } = await enrol(await signedIn(admin));
    const started = await beginStaffSignIn(db, admin.email, PASSWORD, fromNewSource());
    if (!started.ok) throw new Error("password refused");
    const right = new Set([totpCode(key, Date.now(), -1), totpCode(key), freshCode(key)]);
    const guesses = Array.from({ length: 20 }, (_, i) => String(100_000 + i)).filter((guess) => !right.has(guess));
    const results = await Promise.all(
      guesses.map((guess) => completeSecondFactor(db, started.token, guess, fromNewSource())),
    );
    const checked = await db.auditLog.count({ where: { action: "auth.sign-in-failed", targetId: admin.id } });
    expect(checked).toBe(5);
    expect(results.filter((result) => !result.ok && result.reason === "invalid").length).toBeLessThanOrEqual(4);
    // The pending sign-in is used up: not even a right code completes it now.
    expect(await completeSecondFactor(db, started.token, recoveryCodes[0] ?? "", fromNewSource())).toEqual({
      ok: false,
      reason: "expired",
    });
  });

  it("takes each recovery code once", async () => {
    const support = await createActor(db, "SUPPORT");
    const { recoveryCodes } = await enrol(await signedIn(support));
    const meta = fromNewSource();
    const [code] = recoveryCodes;
    for (const expected of [{ ok: true }, { ok: false, reason: "invalid" }]) {
      const started = await beginStaffSignIn(db, support.email, PASSWORD, meta);
      if (!started.ok) throw new Error("password refused");
      expect(await completeSecondFactor(db, started.token, (code ?? "").toUpperCase(), meta)).toEqual(expected);
    }
    expect(await db.auditLog.count({ where: { action: "auth.recovery-code-used", targetId: support.id } })).toBe(1);
  });

  it("turns off only with a fresh code, and not when the provider requires it", async () => {
    const admin = await createActor(db, "ADMIN");
    const ctx = await signedIn(admin);
    const { key } = await enrol(ctx);
    await run(updateTwoFactorRequirement, ctx, { twoFactorRequiredFor: "ADMINS" });
    const refused = await executeCommand(disableTwoFactor, ctx, { code: totpCode(key) });
    expect(refused).toMatchObject({ ok: false, formError: expect.stringMatching(/requires/) });
    await run(updateTwoFactorRequirement, ctx, { twoFactorRequiredFor: "NOBODY" });
    expect(await executeCommand(disableTwoFactor, ctx, { code: "123456" })).toMatchObject({ ok: false });
    await run(disableTwoFactor, ctx, { code: freshCode(key) });
    const user = await db.user.findUniqueOrThrow({ where: { id: admin.id } });
    expect([user.totpEnabledAt, user.totpSecretCiphertext]).toEqual([null, null]);
    expect(await db.recoveryCode.count({ where: { userId: admin.id } })).toBe(0);
  });

  it("must be set up first when required: nothing else runs until then", async () => {
    const sales = await createActor(db, "SALES");
    const ctx = { ...(await signedIn(sales)), twoFactorDue: true };
    expect(await executeCommand(changeOwnPassword, ctx, {})).toMatchObject({ ok: false, reason: "two-factor-due" });
    expect((await executeCommand(beginTwoFactorSetup, ctx, {})).ok).toBe(true);
  });
});

/** Runs the reset requests the form queued, as the worker does (lib/jobs/tasks.ts). */
async function runQueuedResetRequests() {
  type Request = { email: string; meta: { ip: string; userAgent: string } };
  for (const job of await takeQueuedJobs<Request>(db, PASSWORD_RESET_REQUEST_TASK)) {
    await sendPasswordReset(db, job.email, job.meta);
  }
}

/** Asks for a reset link on the form and lets the worker answer. */
async function askForReset(email: string, meta = fromNewSource()) {
  await requestPasswordReset(db, email, meta);
  await runQueuedResetRequests();
}

describe("password reset by email", () => {
  it("is asked for with the same work whoever the address belongs to: one queued job, nothing else", async () => {
    const staff = await createActor(db, "SUPPORT");
    const customer = await createActor(db, "CUSTOMER");
    const addresses = [staff.email, customer.email, `stranger-${Date.now()}@example.com`];
    const written = async () => ({
      mail: await db.mail.count({ where: { to: { in: addresses } } }),
      links: await db.passwordResetToken.count({ where: { userId: staff.id } }),
      audit: await db.auditLog.count(),
    });
    const before = await written();
    for (const email of addresses) await requestPasswordReset(db, email, fromNewSource());
    // Whether the address is staff's shows nowhere in what the request did, so not in how long it took either.
    expect(await written()).toEqual(before);
    const queued = await takeQueuedJobs<{ email: string; meta: RequestMeta }>(db, PASSWORD_RESET_REQUEST_TASK);
    expect(queued.map((job) => job.email)).toEqual(addresses);
    for (const job of queued) await sendPasswordReset(db, job.email, job.meta);
    expect(await db.mail.count({ where: { to: { in: addresses } } })).toBe(1);
    expect(await db.mail.count({ where: { to: staff.email, kind: "auth.password-reset" } })).toBe(1);
  });

  it("sends staff a single-use link on PORTAL_URL that ends every session", async () => {
    const support = await createActor(db, "SUPPORT");
    const session = await signedIn(support);
    const meta = fromNewSource();
    await askForReset(support.email.toUpperCase(), meta);
    const mail = await db.mail.findFirstOrThrow({ where: { to: support.email, kind: "auth.password-reset" } });
    const { resetUrl } = JSON.parse(
      open(
        credentialKeyring(),
        { ciphertext: mail.secretsSealed ?? "", keyId: mail.secretsKeyId ?? "" },
        `mail:${mail.id}`,
      ),
    ) as { resetUrl: string };
    expect(resetUrl.startsWith(portalUrl("/reset-password/"))).toBe(true);
    const token = resetUrl.split("/").pop() ?? "";
    expect(await inspectResetLink(db, token)).toBe("valid");

    const input = { token, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD };
    await expect(resetPassword(db, { ...input, newPassword: "qwerty123456" }, meta)).rejects.toThrow(/common/);
    await resetPassword(db, input, meta);
    expect(await stillSignedIn(session)).toBe(false);
    expect(await inspectResetLink(db, token)).toBe("used");
    await expect(resetPassword(db, input, meta)).rejects.toThrow(/already used/);
    expect(await beginStaffSignIn(db, support.email, PASSWORD, fromNewSource())).toMatchObject({ ok: false });
    expect(await beginStaffSignIn(db, support.email, NEW_PASSWORD, fromNewSource())).toMatchObject({ ok: true });
    expect(await db.auditLog.count({ where: { action: "auth.password-reset", targetId: support.id } })).toBe(1);
  });

  it("answers for unknown addresses and customers without sending anything", async () => {
    const customer = await createActor(db, "CUSTOMER");
    for (const email of [customer.email, "nobody@example.com"]) {
      await askForReset(email);
      expect(await db.mail.count({ where: { to: email } })).toBe(0);
    }
  });

  it("refuses an expired link", async () => {
    const sales = await createActor(db, "SALES");
    await askForReset(sales.email);
    await db.passwordResetToken.updateMany({
      where: { userId: sales.id },
      data: { expiresAt: new Date(Date.now() - 1) },
    });
    const link = await db.passwordResetToken.findFirstOrThrow({ where: { userId: sales.id } });
    expect(link.tokenHash).toMatch(/^[0-9a-f]{64}$/); // only a hash is stored
    await expect(
      resetPassword(
        db,
        { token: "not-the-token", newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD },
        fromNewSource(),
      ),
    ).rejects.toThrow(/expired or was already used/);
  });

  it("can be forced by an admin: the old password stops working at once", async () => {
    const admin = await createActor(db, "ADMIN");
    const sales = await createActor(db, "SALES");
    const session = await signedIn(sales);
    await run(forceStaffPasswordReset, contextFor(db, admin), { userId: sales.id });
    expect(await stillSignedIn(session)).toBe(false);
    expect(await beginStaffSignIn(db, sales.email, PASSWORD, fromNewSource())).toMatchObject({ ok: false });
    expect(await db.mail.count({ where: { to: sales.email, kind: "auth.password-reset" } })).toBe(1);
    expect(await executeCommand(forceStaffPasswordReset, contextFor(db, admin), { userId: admin.id })).toMatchObject({
      ok: false,
      reason: "conflict",
    });
  });
});
