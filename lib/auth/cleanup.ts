import type { Db } from "../db";

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;

/**
 * Deletes sign-in records that can no longer matter, so tables that anyone can make grow (one throttle row per
 * address tried) stay small: throttle counts past the longest quiet period (a day) and not blocking, challenges and
 * reset links an hour after they expired, and sessions a month after they were revoked.
 */
export async function deleteExpiredSignInRecords(db: Db, now = new Date()) {
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const [throttles, challenges, resetLinks, sessions] = await db.$transaction([
    db.rateLimit.deleteMany({
      where: { lastAt: { lt: ago(DAY) }, OR: [{ blockedUntil: null }, { blockedUntil: { lt: now } }] },
    }),
    db.signInChallenge.deleteMany({ where: { expiresAt: { lt: ago(HOUR) } } }),
    db.passwordResetToken.deleteMany({ where: { expiresAt: { lt: ago(HOUR) } } }),
    db.userSession.deleteMany({ where: { revokedAt: { lt: ago(30 * DAY) } } }),
  ]);
  return {
    throttles: throttles.count,
    challenges: challenges.count,
    resetLinks: resetLinks.count,
    sessions: sessions.count,
  };
}
