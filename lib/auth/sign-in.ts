import { recordAudit } from "../audit/log";
import type { RequestMeta } from "../commands";
import type { Db } from "../db";
import { decoyHash, verifyPassword } from "./passwords";
import type { Actor } from "./policy";

export const THROTTLE_WINDOW_MS = 15 * 60 * 1000;
export const MAX_FAILURES_PER_EMAIL = 5;
export const MAX_FAILURES_PER_IP = 30;

export type SignInResult = { ok: true; actor: Actor } | { ok: false; reason: "invalid" | "throttled" };

/**
 * Checks a staff member's email and password. After 5 failures for one email (or 30 from one address) within
 * 15 minutes, further attempts are refused without checking the password until the window passes.
 */
export async function verifyStaffSignIn(
  db: Db,
  rawEmail: string,
  password: string,
  meta: RequestMeta,
): Promise<SignInResult> {
  const email = rawEmail.trim().toLowerCase();
  const since = new Date(Date.now() - THROTTLE_WINDOW_MS);
  const [emailFailures, ipFailures] = await Promise.all([
    db.signInFailure.count({ where: { email, at: { gte: since } } }),
    meta.ip ? db.signInFailure.count({ where: { ip: meta.ip, at: { gte: since } } }) : 0,
  ]);
  if (emailFailures >= MAX_FAILURES_PER_EMAIL || ipFailures >= MAX_FAILURES_PER_IP) {
    return { ok: false, reason: "throttled" };
  }
  const user = await db.user.findUnique({ where: { email } });
  const valid =
    user?.passwordHash && user.active && user.role !== "CUSTOMER"
      ? await verifyPassword(user.passwordHash, password)
      : (await verifyPassword(await decoyHash(), password)) && false;
  if (!user || !valid) {
    await db.signInFailure.create({ data: { email, ip: meta.ip } });
    return { ok: false, reason: "invalid" };
  }
  await db.$transaction(async (tx) => {
    await tx.signInFailure.deleteMany({ where: { email } });
    await tx.user.update({ where: { id: user.id }, data: { lastSignInAt: new Date() } });
    const actor = { id: user.id, email: user.email, name: user.name, role: user.role, customerId: user.customerId };
    await recordAudit(tx, { actor, meta }, { action: "auth.sign-in", targetType: "user", targetId: user.id });
  });
  return {
    ok: true,
    actor: { id: user.id, email: user.email, name: user.name, role: user.role, customerId: user.customerId },
  };
}

/**
 * The signed-in user as the database has them now: a deactivated user, or a user of a customer account that was
 * suspended or closed, loses access at their next request.
 */
export async function loadActor(db: Db, userId: string): Promise<Actor | null> {
  const user = await db.user.findUnique({ where: { id: userId }, include: { customer: true } });
  if (!user?.active) return null;
  if (user.customer && user.customer.status !== "ACTIVE") return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role, customerId: user.customerId };
}
