import { z } from "zod";
import { recordAudit } from "../audit/log";
import { type AuthorizedContext, defineCommand } from "../commands";
import { ConflictError } from "../errors";
import { tooManyAttempts } from "../rate-limit";
import { staffPassword } from "../validation";
import { passwordProblem } from "./password-policy";
import { hashPassword } from "./passwords";
import { revokeUserSessions } from "./sessions";
import { checkStaffPassword } from "./sign-in";
import {
  checkTotpCode,
  newRecoveryCodes,
  newTotpSecret,
  openTotpSecret,
  redeemTotpCode,
  sealTotpSecret,
  storeRecoveryCodes,
  totpUri,
  twoFactorRequiredFor,
} from "./two-factor";

/** A form with a new password typed twice (the check against the user's own email address needs the user). */
export function withNewPassword<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.object({ ...shape, newPassword: staffPassword, confirmPassword: z.string().optional() }).refine(
    (input) => {
      const { newPassword, confirmPassword } = input as { newPassword: string; confirmPassword?: string };
      return newPassword === confirmPassword;
    },
    {
      path: ["confirmPassword"],
      message: "The two passwords differ.",
    },
  );
}

/** Refuses a new password built from the user's own email address. */
export function checkNotEmail(password: string, email: string) {
  const problem = passwordProblem(password, email);
  if (problem) throw new ConflictError(problem, "newPassword");
}

/** Changes one's own password: the current one first (throttled like a sign-in); every other session ends. */
export const changeOwnPassword = defineCommand({
  name: "account.change-password",
  permission: "account:security",
  input: withNewPassword({
    currentPassword: z.string({ error: "Enter your current password." }).min(1, "Enter your current password."),
  }),
  async run(ctx, input) {
    checkNotEmail(input.newPassword, ctx.actor.email);
    const check = await checkStaffPassword(ctx.db, ctx.actor.email, input.currentPassword, ctx.meta, "password change");
    if (!check.ok) {
      throw new ConflictError(
        check.reason === "throttled" ? tooManyAttempts(check.retryAt) : "That is not your current password.",
        "currentPassword",
      );
    }
    const passwordHash = await hashPassword(input.newPassword);
    return ctx.db.$transaction(async (tx) => {
      await tx.user.update({ where: { id: ctx.actor.id }, data: { passwordHash } });
      await tx.passwordResetToken.updateMany({
        where: { userId: ctx.actor.id, usedAt: null },
        data: { usedAt: new Date() },
      });
      const endedSessions = await revokeUserSessions(tx, ctx.actor.id, ctx.sessionId);
      await recordAudit(tx, ctx, {
        action: "auth.password-change",
        targetType: "user",
        targetId: ctx.actor.id,
        details: { endedSessions },
      });
    });
  },
});

/** Ends every session of the signed-in user, this one included. */
export const signOutEverywhere = defineCommand({
  name: "account.sign-out-everywhere",
  permission: "account:security",
  duringTwoFactorSetup: true,
  input: z.object({}),
  async run(ctx) {
    return ctx.db.$transaction(async (tx) => {
      const endedSessions = await revokeUserSessions(tx, ctx.actor.id);
      await recordAudit(tx, ctx, {
        action: "auth.sign-out-everywhere",
        targetType: "user",
        targetId: ctx.actor.id,
        details: { endedSessions },
      });
    });
  },
});

async function loadSelf(ctx: AuthorizedContext) {
  return ctx.db.user.findUniqueOrThrow({ where: { id: ctx.actor.id } });
}

/** Starts (or restarts) setting up an authenticator app: a new secret that is not used until a code confirms it. */
export const beginTwoFactorSetup = defineCommand({
  name: "account.two-factor-begin",
  permission: "account:security",
  duringTwoFactorSetup: true,
  input: z.object({}),
  async run(ctx) {
    if ((await loadSelf(ctx)).totpEnabledAt) throw new ConflictError("Two-factor authentication is already on.");
    const sealed = sealTotpSecret(ctx.actor.id, newTotpSecret());
    await ctx.db.$transaction(async (tx) => {
      await tx.user.update({
        where: { id: ctx.actor.id },
        data: { totpSecretCiphertext: sealed.ciphertext, totpSecretKeyId: sealed.keyId, totpLastStep: null },
      });
      await recordAudit(tx, ctx, { action: "auth.two-factor-setup", targetType: "user", targetId: ctx.actor.id });
    });
  },
});

/** The pending setup of the signed-in user, for the setup page: the key to type in and the otpauth:// URI for a QR. */
export async function pendingTwoFactorSetup(ctx: AuthorizedContext) {
  const user = await loadSelf(ctx);
  const secret = user.totpEnabledAt ? null : openTotpSecret(user);
  if (!secret) return null;
  return { secret, uri: totpUri(secret, user.email, "Trunk Portal") };
}

const code = z
  .string({ error: "Enter the 6-digit code from your authenticator app." })
  .trim()
  .min(1, "Enter the 6-digit code from your authenticator app.");

/** Turns 2FA on once a first code proves the app is set up; returns the recovery codes, shown this once. */
export const confirmTwoFactorSetup = defineCommand({
  name: "account.two-factor-enable",
  permission: "account:security",
  duringTwoFactorSetup: true,
  input: z.object({ code }),
  async run(ctx, input) {
    const user = await loadSelf(ctx);
    const secret = user.totpEnabledAt ? null : openTotpSecret(user);
    if (!secret) throw new ConflictError("Start the setup again: there is no authenticator app waiting for a code.");
    const step = await checkTotpCode(secret, input.code, null);
    if (step === null) {
      throw new ConflictError(
        "That code is not right. Check the time on your phone and enter the current code.",
        "code",
      );
    }
    const codes = newRecoveryCodes();
    await ctx.db.$transaction(async (tx) => {
      await tx.user.update({ where: { id: user.id }, data: { totpEnabledAt: new Date(), totpLastStep: step } });
      await storeRecoveryCodes(tx, user.id, codes);
      // Sessions that began with the password alone do not get the benefit of the doubt.
      const endedSessions = await revokeUserSessions(tx, user.id, ctx.sessionId);
      await recordAudit(tx, ctx, {
        action: "auth.two-factor-enable",
        targetType: "user",
        targetId: user.id,
        details: { endedSessions },
      });
    });
    return { recoveryCodes: codes };
  },
});

/** Turns 2FA off with a fresh code from the app, unless the provider requires it for this user. */
export const disableTwoFactor = defineCommand({
  name: "account.two-factor-disable",
  permission: "account:security",
  input: z.object({ code }),
  async run(ctx, input) {
    if (await twoFactorRequiredFor(ctx.db, ctx.actor.role)) {
      throw new ConflictError("Your administrator requires two-factor authentication for your role.");
    }
    if (!(await redeemTotpCode(ctx.db, ctx.actor.id, input.code))) {
      throw new ConflictError("That code is not right, or was already used. Enter a new code from your app.", "code");
    }
    await ctx.db.$transaction(async (tx) => {
      await tx.user.update({ where: { id: ctx.actor.id }, data: TWO_FACTOR_OFF });
      await tx.recoveryCode.deleteMany({ where: { userId: ctx.actor.id } });
      await recordAudit(tx, ctx, { action: "auth.two-factor-disable", targetType: "user", targetId: ctx.actor.id });
    });
  },
});

/** New recovery codes (with a fresh code from the app); the old ones stop working. */
export const regenerateRecoveryCodes = defineCommand({
  name: "account.recovery-codes-regenerate",
  permission: "account:security",
  input: z.object({ code }),
  async run(ctx, input) {
    if (!(await redeemTotpCode(ctx.db, ctx.actor.id, input.code))) {
      throw new ConflictError("That code is not right, or was already used. Enter a new code from your app.", "code");
    }
    const codes = newRecoveryCodes();
    await ctx.db.$transaction(async (tx) => {
      await storeRecoveryCodes(tx, ctx.actor.id, codes);
      await recordAudit(tx, ctx, {
        action: "auth.recovery-codes-regenerate",
        targetType: "user",
        targetId: ctx.actor.id,
      });
    });
    return { recoveryCodes: codes };
  },
});

/** The columns that switch a user's 2FA off. */
export const TWO_FACTOR_OFF = {
  totpSecretCiphertext: null,
  totpSecretKeyId: null,
  totpEnabledAt: null,
  totpLastStep: null,
} as const;
