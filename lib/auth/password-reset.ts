import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import type { CommandContext, RequestMeta } from "../commands";
import type { Db, Tx } from "../db";
import { portalUrl } from "../env";
import { ConflictError } from "../errors";
import { enqueueJob } from "../jobs/queue";
import { queueMail } from "../mail/queue";
import { passwordResetMail } from "../mail/templates";
import { clearAttempts, type RateLimitRule, takeAttempt } from "../rate-limit";
import { getProviderSettings } from "../settings";
import { checkNotEmail, withNewPassword } from "./account";
import { hashPassword } from "./passwords";
import { recordAccountEvent, revokeUserSessions } from "./sessions";
import { signInKeys } from "./sign-in";

export const RESET_LINK_MINUTES = 30;
export const PASSWORD_RESET_MAIL_KIND = "auth.password-reset";

const HALF_HOUR = 30 * 60_000;
/** At most 3 reset emails per address and 20 requests per source each half hour. */
const RESET_REQUEST_LIMITS = {
  address: { limit: 3, delayMs: HALF_HOUR, maxDelayMs: HALF_HOUR, resetAfterMs: HALF_HOUR },
  source: { limit: 20, delayMs: HALF_HOUR, maxDelayMs: HALF_HOUR, resetAfterMs: HALF_HOUR },
} satisfies Record<string, RateLimitRule>;

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

/**
 * Creates a single-use reset link for a staff member (older unused links stop working) and queues its email in the
 * caller's transaction. The link is built from PORTAL_URL; only the token's SHA-256 is stored.
 */
export async function queuePasswordResetMail(tx: Tx, user: { id: string; email: string }, forced: boolean) {
  await tx.passwordResetToken.updateMany({ where: { userId: user.id, usedAt: null }, data: { usedAt: new Date() } });
  const token = randomBytes(32).toString("base64url");
  await tx.passwordResetToken.create({
    data: {
      userId: user.id,
      tokenHash: hashToken(token),
      expiresAt: new Date(Date.now() + RESET_LINK_MINUTES * 60_000),
    },
  });
  await queueMail(tx, {
    ...passwordResetMail({ provider: await getProviderSettings(tx), expiresMinutes: RESET_LINK_MINUTES, forced }),
    kind: PASSWORD_RESET_MAIL_KIND,
    to: user.email,
    secrets: { resetUrl: portalUrl(`/reset-password/${token}`) },
  });
}

export const PASSWORD_RESET_REQUEST_TASK = "auth.password-reset-request";

/**
 * "Forgot your password". The answer is the same for every address, and so is the work the request does (the
 * source's throttle, then one queued job), so neither the form's answer nor its timing tells anyone who works here:
 * the job, `sendPasswordReset`, decides whether a link is sent.
 */
export async function requestPasswordReset(db: Db, rawEmail: string, meta: RequestMeta) {
  const email = rawEmail.trim().toLowerCase();
  const source = await takeAttempt(db, `password-reset-source:${meta.ip ?? "unknown"}`, RESET_REQUEST_LIMITS.source);
  if (!source.allowed) return;
  await db.$transaction((tx) => enqueueJob(tx, PASSWORD_RESET_REQUEST_TASK, { email, meta }));
}

/** The job: emails a reset link if the address belongs to an active staff member, within the address's limit. */
export async function sendPasswordReset(db: Db, email: string, meta: RequestMeta) {
  const user = await db.user.findUnique({ where: { email } });
  if (!user?.active || user.role === "CUSTOMER") return;
  if (!(await takeAttempt(db, `password-reset:${email}`, RESET_REQUEST_LIMITS.address)).allowed) return;
  await db.$transaction(async (tx) => {
    await queuePasswordResetMail(tx, user, false);
    await recordAccountEvent(tx, meta, "auth.password-reset-request", user);
  });
}

export type ResetLinkState = "valid" | "used" | "expired" | "unknown";

/** What a reset link can still do. Opening the page does not use it (mail scanners open links); setting a password does. */
export async function inspectResetLink(db: Db, token: string): Promise<ResetLinkState> {
  const link = await db.passwordResetToken.findUnique({ where: { tokenHash: hashToken(token) } });
  if (!link) return "unknown";
  if (link.usedAt) return "used";
  return link.expiresAt <= new Date() ? "expired" : "valid";
}

export const resetPasswordInput = withNewPassword({ token: z.string().min(1).max(200) });

/**
 * Sets a new password through a reset link, once: the link is used up in the same transaction, every session of the
 * user ends, and the account's failed sign-ins from the resetting source are forgotten. Two-factor authentication
 * stays on.
 */
export async function resetPassword(db: Db, input: z.output<typeof resetPasswordInput>, meta: CommandContext["meta"]) {
  const tokenHash = hashToken(input.token);
  const link = await db.passwordResetToken.findUnique({ where: { tokenHash }, include: { user: true } });
  if (!link || link.usedAt || link.expiresAt <= new Date() || !link.user.active) {
    throw new ConflictError("This reset link has expired or was already used. Ask for a new one.");
  }
  checkNotEmail(input.newPassword, link.user.email);
  const passwordHash = await hashPassword(input.newPassword);
  await db.$transaction(async (tx) => {
    const { count } = await tx.passwordResetToken.updateMany({
      where: { tokenHash, usedAt: null, expiresAt: { gt: new Date() } },
      data: { usedAt: new Date() },
    });
    if (count !== 1) throw new ConflictError("This reset link has expired or was already used. Ask for a new one.");
    await tx.user.update({ where: { id: link.userId }, data: { passwordHash } });
    const endedSessions = await revokeUserSessions(tx, link.userId);
    await clearAttempts(tx, signInKeys(link.user.email, meta).accountFromSource);
    await recordAccountEvent(tx, meta, "auth.password-reset", link.user, { endedSessions });
  });
}
