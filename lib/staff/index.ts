import { z } from "zod";
import { recordAudit } from "../audit/log";
import { hashPassword } from "../auth/passwords";
import { defineCommand } from "../commands";
import type { Db } from "../db";
import { ConflictError, NotFoundError } from "../errors";
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
      await recordAudit(tx, ctx, {
        action: "staff.update",
        targetType: "user",
        targetId: userId,
        details: { email: user.email, role, active, passwordChanged: Boolean(password) },
      });
      return user;
    });
  },
});
