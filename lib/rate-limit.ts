import { createHash } from "node:crypto";
import { type Db, sqlRows, type Tx } from "./db";
import { Prisma } from "./generated/prisma/client";

/**
 * How often something may be tried. The first `limit` attempts go through at once; the attempt that reaches the
 * limit makes the next one wait `delayMs`, and every further attempt doubles that wait, up to `maxDelayMs`. A key
 * that sees no attempt for `resetAfterMs` starts from zero again.
 */
export type RateLimitRule = { limit: number; delayMs: number; maxDelayMs: number; resetAfterMs: number };

export type Attempt = { allowed: true; count: number } | { allowed: false; retryAt: Date };

// The columns are UTC timestamps without a zone, as Prisma writes them, whatever the server's time zone.
const NOW = Prisma.sql`(now() AT TIME ZONE 'UTC')`;
// 2^30 × the delay is far past any maximum; a bigger exponent would overflow PostgreSQL's float.
const MAX_DOUBLINGS = 30;

/**
 * Counts one attempt against `key` and says whether it may go ahead. It is one SQL statement: concurrent attempts
 * queue on the key's row, so 40 parallel requests against a limit of 5 let exactly 5 through. Count the attempt
 * before doing the work it guards (checking a password, revealing a secret), never after.
 */
export async function takeAttempt(db: Db | Tx, rawKey: string, rule: RateLimitRule): Promise<Attempt> {
  const key = storedKey(rawKey);
  const fresh = Prisma.sql`(r."lastAt" < ${NOW} - ${rule.resetAfterMs}::float8 * interval '1 millisecond')`;
  const count = Prisma.sql`(CASE WHEN ${fresh} THEN 1 ELSE r."count" + 1 END)`;
  const rows = await db.$queryRaw<{ count: number }[]>`
    INSERT INTO "RateLimit" AS r ("key", "count", "lastAt", "blockedUntil")
    VALUES (${key}, 1, ${NOW}, ${blockedUntil(Prisma.sql`1`, rule)})
    ON CONFLICT ("key") DO UPDATE SET
      "count" = ${count},
      "lastAt" = ${NOW},
      "blockedUntil" = ${blockedUntil(count, rule)}
    WHERE r."blockedUntil" IS NULL OR r."blockedUntil" <= ${NOW}
    RETURNING "count"`;
  const row = rows[0];
  if (row) return { allowed: true, count: row.count };
  const blocked = await db.rateLimit.findUnique({ where: { key } });
  return { allowed: false, retryAt: blocked?.blockedUntil ?? new Date() };
}

function blockedUntil(count: Prisma.Sql, rule: RateLimitRule) {
  const exponent = Prisma.sql`least(${count} - ${rule.limit}::int, ${MAX_DOUBLINGS}::int)`;
  return Prisma.sql`CASE WHEN ${count} >= ${rule.limit}::int
    THEN ${NOW} + least(${rule.delayMs}::float8 * power(2, ${exponent}), ${rule.maxDelayMs}::float8) * interval '1 millisecond'
    ELSE NULL END`;
}

/** Keys hold what a visitor typed (an email address): long ones are stored as their hash, to fit the index. */
const storedKey = (key: string) =>
  key.length <= 200 ? key : `sha256:${createHash("sha256").update(key).digest("hex")}`;

/** Gives back an attempt that turned out not to count (it succeeded, or another check refused it first). */
export async function refundAttempt(db: Db | Tx, rawKey: string, rule: RateLimitRule) {
  const key = storedKey(rawKey);
  await db.$executeRaw`
    UPDATE "RateLimit" SET
      "count" = greatest("count" - 1, 0),
      "blockedUntil" = CASE WHEN "count" - 1 >= ${rule.limit}::int THEN "blockedUntil" ELSE NULL END
    WHERE "key" = ${key}`;
}

/** Forgets a key's attempts, e.g. the failures of an account from a source once the right password came from it. */
export async function clearAttempts(db: Db | Tx, key: string) {
  await db.rateLimit.deleteMany({ where: { key: storedKey(key) } });
}

/** "in 40 seconds", "in 3 minutes": when a refused attempt may be tried again. */
export function retryIn(retryAt: Date, now = Date.now()): string {
  const seconds = Math.max(1, Math.ceil((retryAt.getTime() - now) / 1000));
  if (seconds < 90) return `in ${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `in ${minutes} minutes`;
}

export const tooManyAttempts = (retryAt: Date) => `Too many failed attempts. Try again ${retryIn(retryAt)}.`;

/**
 * Counts one request against a fixed-window quota (the API's requests per key per minute), in one statement, so
 * parallel requests cannot exceed it. The count lives in the same table as the throttles above, one row per key and
 * window; the sign-in clean-up deletes past windows with the other quiet keys.
 */
export async function countInWindow(db: Db | Tx, rawKey: string, windowMs: number, now = Date.now()) {
  const windowStart = Math.floor(now / windowMs) * windowMs;
  const key = storedKey(`${rawKey}@${windowStart}`);
  const rows = await sqlRows<{ count: number }>(
    db,
    Prisma.sql`INSERT INTO "RateLimit" AS r ("key", "count", "lastAt") VALUES (${key}, 1, ${NOW})
      ON CONFLICT ("key") DO UPDATE SET "count" = r."count" + 1, "lastAt" = ${NOW}
      RETURNING "count"`,
    "rate-limit-count",
  );
  return { count: rows[0]?.count ?? 1, resetAt: new Date(windowStart + windowMs) };
}
