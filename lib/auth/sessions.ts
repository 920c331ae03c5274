import { recordAudit } from "../audit/log";
import type { RequestMeta } from "../commands";
import type { Db, Tx } from "../db";
import type { Prisma } from "../generated/prisma/client";
import { actorOf } from "./policy";

export type SignInMethod = "password" | "totp" | "recovery-code" | "email-link";

/**
 * Records a completed sign-in: a session row that the session cookie names, the sign-in time and an audit entry.
 * Returns the session's id; revoking that row ends the session at its next request, wherever the cookie was copied.
 */
export async function startSession(db: Db, userId: string, via: SignInMethod, meta: RequestMeta): Promise<string> {
  return db.$transaction(async (tx) => {
    const user = await tx.user.update({ where: { id: userId }, data: { lastSignInAt: new Date() } });
    const session = await tx.userSession.create({ data: { userId, ip: meta.ip, userAgent: meta.userAgent } });
    await recordAudit(
      tx,
      { actor: actorOf(user), meta },
      {
        action: "auth.sign-in",
        targetType: "user",
        targetId: userId,
        customerId: user.customerId,
        details: { via },
      },
    );
    return session.id;
  });
}

/**
 * The signed-in user of a session as the database has them now, and whether their 2FA is on; null once the session
 * or the user is switched off, or the user's customer account is suspended or closed.
 */
export async function loadSession(db: Db, userId: string, sessionId: string) {
  const session = await db.userSession.findUnique({
    where: { id: sessionId },
    include: { user: { include: { customer: { select: { status: true } } } } },
  });
  if (!session || session.revokedAt || session.userId !== userId || !session.user.active) return null;
  if (session.user.customer && session.user.customer.status !== "ACTIVE") return null;
  return { actor: actorOf(session.user), twoFactorOn: Boolean(session.user.totpEnabledAt) };
}

export async function revokeSession(db: Db | Tx, sessionId: string) {
  await db.userSession.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: new Date() } });
}

/** Ends every session of a user (but `except`, the one making the change, when given). */
export async function revokeUserSessions(db: Db | Tx, userId: string, except?: string | null) {
  const { count } = await db.userSession.updateMany({
    where: { userId, revokedAt: null, ...(except ? { id: { not: except } } : {}) },
    data: { revokedAt: new Date() },
  });
  return count;
}

/** Audits something that happened to an account while nobody was signed in (a failed sign-in, a reset). */
export async function recordAccountEvent(
  db: Db | Tx,
  meta: RequestMeta,
  action: string,
  user: { id: string | null; email: string },
  details: Prisma.InputJsonObject = {},
) {
  await recordAudit(
    db,
    { actor: null, meta },
    { action, targetType: "user", targetId: user.id, details: { email: user.email, ...details } },
  );
}
