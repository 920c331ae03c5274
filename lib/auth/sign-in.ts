import { createHash, randomBytes } from "node:crypto";
import type { RequestMeta } from "../commands";
import type { Db } from "../db";
import type { User } from "../generated/prisma/client";
import { requestLog } from "../observability/log";
import { metrics } from "../observability/metrics";
import { clearAttempts, type RateLimitRule, refundAttempt, takeAttempt } from "../rate-limit";
import { decoyHash, verifyPassword } from "./passwords";
import { recordAccountEvent, type SignInMethod } from "./sessions";
import { redeemRecoveryCode, redeemTotpCode } from "./two-factor";

const MINUTE = 60_000;

/**
 * Failed passwords are throttled per account *and source*, and per source: an attacker's failures slow down the
 * attacker's own source, never the owner signing in from elsewhere. Past the limit each attempt waits longer
 * (30 s, 1 min, 2 min … 15 min); the counts start over after a day without failures.
 */
export const SIGN_IN_LIMITS = {
  accountFromSource: { limit: 5, delayMs: 30_000, maxDelayMs: 15 * MINUTE, resetAfterMs: 24 * 60 * MINUTE },
  source: { limit: 30, delayMs: 30_000, maxDelayMs: 15 * MINUTE, resetAfterMs: 24 * 60 * MINUTE },
} satisfies Record<string, RateLimitRule>;

/** Wrong second-factor codes: per account and source, and at most this many per password entry. */
const SECOND_FACTOR_LIMIT: RateLimitRule = { ...SIGN_IN_LIMITS.accountFromSource };
const SECOND_FACTOR_TRIES_PER_CHALLENGE = 5;
/** The pending sign-in between the password and the second factor travels in this cookie (sign-in pages only). */
export const CHALLENGE_COOKIE = "trunk-portal-sign-in";
/** How long a staff member has between a correct password and the second factor. */
export const CHALLENGE_MAX_AGE_MS = 10 * MINUTE;

export type PasswordCheck =
  | { ok: true; user: User }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "throttled"; retryAt: Date };

const source = (meta: RequestMeta) => meta.ip ?? "unknown";
const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** The throttle keys of one account from one source, and of the source: shared with password changes. */
export function signInKeys(rawEmail: string, meta: RequestMeta) {
  return {
    accountFromSource: `sign-in:${normalizeEmail(rawEmail)}:${source(meta)}`,
    source: `sign-in-source:${source(meta)}`,
  };
}

/**
 * Checks a staff member's email and password, throttled. The attempt is counted before the password is checked,
 * atomically, so parallel guesses cannot get past the limit; a right password gives its attempt back.
 */
export async function checkStaffPassword(
  db: Db,
  rawEmail: string,
  password: string,
  meta: RequestMeta,
  purpose: "sign-in" | "password change" = "sign-in",
): Promise<PasswordCheck> {
  const email = normalizeEmail(rawEmail);
  const keys = signInKeys(email, meta);
  const fromSource = await takeAttempt(db, keys.source, SIGN_IN_LIMITS.source);
  if (!fromSource.allowed) return { ok: false, reason: "throttled", retryAt: fromSource.retryAt };
  const forAccount = await takeAttempt(db, keys.accountFromSource, SIGN_IN_LIMITS.accountFromSource);
  if (!forAccount.allowed) {
    await refundAttempt(db, keys.source, SIGN_IN_LIMITS.source);
    return { ok: false, reason: "throttled", retryAt: forAccount.retryAt };
  }
  const user = await db.user.findUnique({ where: { email } });
  const valid =
    user?.passwordHash && user.active && user.role !== "CUSTOMER"
      ? await verifyPassword(user.passwordHash, password)
      : (await verifyPassword(await decoyHash(), password)) && false;
  if (!user || !valid) {
    await recordFailure(db, meta, { email, userId: user?.id ?? null, step: "password", purpose });
    return { ok: false, reason: "invalid" };
  }
  await clearAttempts(db, keys.accountFromSource);
  await refundAttempt(db, keys.source, SIGN_IN_LIMITS.source);
  return { ok: true, user };
}

/** One line in the server log and one audit entry per refused sign-in step (throttled attempts are not checked). */
async function recordFailure(
  db: Db,
  meta: RequestMeta,
  failure: { email: string; userId: string | null; step: "password" | "second factor"; purpose: string },
) {
  metrics().signInFailures.inc({ purpose: failure.purpose, step: failure.step });
  (await requestLog()).warn(
    { purpose: failure.purpose, step: failure.step, email: failure.email, source: source(meta) },
    `${failure.purpose} refused: wrong ${failure.step}`,
  );
  await recordAccountEvent(
    db,
    meta,
    failure.purpose === "sign-in" ? "auth.sign-in-failed" : "auth.password-change-failed",
    { id: failure.userId, email: failure.email },
    { step: failure.step },
  );
}

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export type SignInStart = { ok: true; token: string; secondFactorDue: boolean } | Exclude<PasswordCheck, { ok: true }>;

/**
 * The password step of a staff sign-in. On success it returns a short-lived challenge token: ready to be redeemed
 * for a session at once, or (2FA on) after a code from the authenticator app or a recovery code.
 */
export async function beginStaffSignIn(
  db: Db,
  email: string,
  password: string,
  meta: RequestMeta,
): Promise<SignInStart> {
  const check = await checkStaffPassword(db, email, password, meta);
  if (!check.ok) return check;
  const token = randomBytes(32).toString("base64url");
  const secondFactorDue = Boolean(check.user.totpEnabledAt);
  await db.signInChallenge.create({
    data: {
      tokenHash: hashToken(token),
      userId: check.user.id,
      expiresAt: new Date(Date.now() + CHALLENGE_MAX_AGE_MS),
      completedVia: secondFactorDue ? null : "password",
    },
  });
  return { ok: true, token, secondFactorDue };
}

export type SecondFactorResult =
  | { ok: true }
  | { ok: false; reason: "expired" | "invalid" }
  | { ok: false; reason: "throttled"; retryAt: Date };

/** Checks the code of a pending sign-in: a TOTP code, or one of the recovery codes (each works once). */
export async function completeSecondFactor(
  db: Db,
  token: string,
  code: string,
  meta: RequestMeta,
): Promise<SecondFactorResult> {
  const challenge = await db.signInChallenge.findUnique({
    where: { tokenHash: hashToken(token) },
    include: { user: true },
  });
  if (!challenge || challenge.usedAt || challenge.completedVia || challenge.expiresAt <= new Date()) {
    return { ok: false, reason: "expired" };
  }
  const key = `second-factor:${challenge.userId}:${source(meta)}`;
  const attempt = await takeAttempt(db, key, SECOND_FACTOR_LIMIT);
  if (!attempt.allowed) return { ok: false, reason: "throttled", retryAt: attempt.retryAt };
  // A pending sign-in allows a few tries, whatever their sources. Each is taken before its code is checked, in one
  // conditional update, so parallel requests cannot check more codes than that.
  const tried = await db.signInChallenge.updateMany({
    where: {
      id: challenge.id,
      usedAt: null,
      completedVia: null,
      failedAttempts: { lt: SECOND_FACTOR_TRIES_PER_CHALLENGE },
    },
    data: { failedAttempts: { increment: 1 } },
  });
  if (tried.count === 0) return { ok: false, reason: "expired" };

  let via: SignInMethod | null = null;
  if (await redeemTotpCode(db, challenge.userId, code)) via = "totp";
  else {
    const recovery = await redeemRecoveryCode(db, challenge.userId, code);
    if (recovery.used) {
      via = "recovery-code";
      await recordAccountEvent(db, meta, "auth.recovery-code-used", challenge.user, { remaining: recovery.remaining });
    }
  }
  if (!via) {
    await recordFailure(db, meta, {
      email: challenge.user.email,
      userId: challenge.userId,
      step: "second factor",
      purpose: "sign-in",
    });
    // After the last try, the password must be entered again.
    const { count: usedUp } = await db.signInChallenge.updateMany({
      where: { id: challenge.id, failedAttempts: { gte: SECOND_FACTOR_TRIES_PER_CHALLENGE } },
      data: { usedAt: new Date() },
    });
    return { ok: false, reason: usedUp ? "expired" : "invalid" };
  }
  const { count } = await db.signInChallenge.updateMany({
    where: { id: challenge.id, usedAt: null, completedVia: null },
    data: { completedVia: via },
  });
  await clearAttempts(db, key);
  return count === 1 ? { ok: true } : { ok: false, reason: "expired" };
}

/**
 * Turns a completed challenge into the signed-in user, once: the second request with the same token gets null.
 * This is the only way a staff session starts (see ./next-auth).
 */
export async function redeemSignInChallenge(db: Db, token: string) {
  const tokenHash = hashToken(token);
  const { count } = await db.signInChallenge.updateMany({
    where: { tokenHash, usedAt: null, completedVia: { not: null }, expiresAt: { gt: new Date() } },
    data: { usedAt: new Date() },
  });
  if (count !== 1) return null;
  const challenge = await db.signInChallenge.findUniqueOrThrow({ where: { tokenHash }, include: { user: true } });
  const { user } = challenge;
  if (!user.active || user.role === "CUSTOMER") return null;
  return { user, via: challenge.completedVia as SignInMethod };
}

/** Whether a challenge token still waits for its second factor (the code page shows only then). */
export async function challengeAwaitsSecondFactor(db: Db, token: string): Promise<boolean> {
  const challenge = await db.signInChallenge.findUnique({ where: { tokenHash: hashToken(token) } });
  return Boolean(challenge && !challenge.usedAt && !challenge.completedVia && challenge.expiresAt > new Date());
}
