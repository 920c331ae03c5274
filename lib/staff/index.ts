import { randomBytes } from "node:crypto";
import { z } from "zod";
import { recordAudit } from "../audit/log";
import { TWO_FACTOR_OFF } from "../auth/account";
import { queuePasswordResetMail } from "../auth/password-reset";
import { hashPassword } from "../auth/passwords";
import { revokeUserSessions } from "../auth/sessions";
import { type AuthorizedContext, defineCommand } from "../commands";
import type { Db, Tx } from "../db";
import { ConflictError, NotFoundError } from "../errors";
import type { User } from "../generated/prisma/client";
import { checkbox, email, id, requiredText, staffPassword } from "../validation";

const staffRole = z.enum(["ADMIN", "SALES", "SUPPORT"], { error: "Choose a role." });

export async function listStaff(db: Db) {
  return db.user.findMany({ where: { role: { not: "CUSTOMER" } }, orderBy: [{ active: "desc" }, { email: "asc" }] });
}

export const createStaffUser = defineCommand({
  name: "staff.create",
  permission: "staff:manage",
  input: z.object({ name: requiredText("a name", 120), email, role: staffRole, password: staffPassword }),
  async run(ctx, input) {
    const passwordHash = await hashPassword(input.password);
    return ctx.db.$transaction(async (tx) => {
      if (await tx.user.findUnique({ where: { email: input.email } })) {
        throw new ConflictError("A user with this email already exists.", "email");
      }
      const user = await tx.user.create({
        data: { name: input.name, email: input.email, role: input.role, passwordHash },
      });
      await recordAudit(tx, ctx, {
        action: "staff.create",
        targetType: "user",
        targetId: user.id,
        details: { email: user.email, role: user.role },
      });
      return user;
    });
  },
});

export const updateStaffUser = defineCommand({
  name: "staff.update",
  permission: "staff:manage",
  input: z.object({
    userId: id,
    role: staffRole,
    active: checkbox,
    password: z
      .string()
      .optional()
      .transform((value) => value || undefined)
      .pipe(staffPassword.optional()),
  }),
  async run(ctx, { userId, role, active, password }) {
    if (userId === ctx.actor.id && (role !== "ADMIN" || !active)) {
      throw new ConflictError("You cannot remove your own admin access.", "role");
    }
    const passwordHash = password ? await hashPassword(password) : undefined;
    return ctx.db.$transaction(async (tx) => {
      const before = await tx.user.findUnique({ where: { id: userId } });
      if (!before || before.role === "CUSTOMER") throw new NotFoundError("Staff user");
      const user = await tx.user.update({ where: { id: userId }, data: { role, active, passwordHash } });
      // A new role, lost access or a new password applies to every open session at once: they end.
      const endedSessions =
        role !== before.role || !active || password ? await revokeUserSessions(tx, userId, ctx.sessionId) : 0;
      await recordAudit(tx, ctx, {
        action: "staff.update",
        targetType: "user",
        targetId: userId,
        details: { email: user.email, role, active, passwordChanged: Boolean(password), endedSessions },
      });
      return user;
    });
  },
});

async function otherStaffMember(ctx: AuthorizedContext, tx: Tx, userId: string, what: string) {
  if (userId === ctx.actor.id) throw new ConflictError(`Use your own account page to ${what}.`);
  const user = await tx.user.findUnique({ where: { id: userId } });
  if (!user || user.role === "CUSTOMER") throw new NotFoundError("Staff user");
  return user;
}

/** An admin's reset of another staff member's sign-in: `reset` changes it, then every session of theirs ends. */
function defineStaffSignInReset(name: string, what: string, reset: (tx: Tx, user: User) => Promise<void>) {
  return defineCommand({
    name,
    permission: "staff:manage",
    input: z.object({ userId: id }),
    async run(ctx, { userId }) {
      return ctx.db.$transaction(async (tx) => {
        const user = await otherStaffMember(ctx, tx, userId, what);
        await reset(tx, user);
        const endedSessions = await revokeUserSessions(tx, userId);
        await recordAudit(tx, ctx, {
          action: name,
          targetType: "user",
          targetId: userId,
          details: { email: user.email, endedSessions },
        });
        return user;
      });
    },
  });
}

/** Forces a staff member to choose a new password: the old one stops working at once and a reset link is emailed. */
export const forceStaffPasswordReset = defineStaffSignInReset(
  "staff.force-password-reset",
  "change your password",
  async (tx, user) => {
    // A random password nobody knows replaces the old one (a staff user always has a password hash).
    const passwordHash = await hashPassword(randomBytes(32).toString("base64url"));
    await tx.user.update({ where: { id: user.id }, data: { passwordHash } });
    await queuePasswordResetMail(tx, user, true);
  },
);

/** Turns off a staff member's two-factor authentication (a lost phone and lost recovery codes). */
export const resetStaffTwoFactor = defineStaffSignInReset(
  "staff.reset-two-factor",
  "turn off two-factor authentication",
  async (tx, user) => {
    await tx.user.update({ where: { id: user.id }, data: TWO_FACTOR_OFF });
    await tx.recoveryCode.deleteMany({ where: { userId: user.id } });
  },
);
