import type { Db } from "./db";
import type { Env } from "./env";

/** How long records that only matter for a while are kept (RETENTION_* settings; see README "Configuration"). */
export type RetentionPolicy = {
  /** Bodies (and sealed secrets) of sent or failed emails; the row itself (to, subject, status) stays. */
  mailBodyDays: number;
  /** Audit entries of refused sign-ins and password changes (anyone on the internet can make these). */
  signInFailureDays: number;
  /** Every other audit entry; null keeps the audit log forever. */
  auditDays: number | null;
};

export const DEFAULT_RETENTION: RetentionPolicy = { mailBodyDays: 30, signInFailureDays: 90, auditDays: null };

export function retentionFromEnv(env: Env): RetentionPolicy {
  return {
    mailBodyDays: env.RETENTION_MAIL_BODY_DAYS ?? DEFAULT_RETENTION.mailBodyDays,
    signInFailureDays: env.RETENTION_SIGN_IN_FAILURE_DAYS ?? DEFAULT_RETENTION.signInFailureDays,
    auditDays: env.RETENTION_AUDIT_DAYS ?? DEFAULT_RETENTION.auditDays,
  };
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** A reveal link is deleted a day after it expired: long enough to tell a customer why theirs no longer works. */
const REVEAL_LINK_GRACE_DAYS = 1;
const SIGN_IN_FAILURE_ACTIONS = ["auth.sign-in-failed", "auth.password-change-failed"];
/** Rows changed per statement, so a first prune of a large table never holds long locks or one huge transaction. */
const BATCH = 5_000;

async function inBatches(statement: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const changed = await statement();
    total += changed;
    if (changed < BATCH) return total;
  }
}

/** Deletes or blanks what the retention policy no longer keeps; returns how many rows each part changed. */
export async function pruneOldRecords(db: Db, policy: RetentionPolicy, now = new Date()) {
  const before = (days: number) => new Date(now.getTime() - days * DAY_MS);
  const mailCutoff = before(policy.mailBodyDays);
  const removedBody = `[Deleted after ${policy.mailBodyDays} days, as the retention setting says.]`;
  const mailBodies = await inBatches(
    () => db.$executeRaw`
      UPDATE "Mail" SET text = ${removedBody}, html = '', "secretsSealed" = NULL, "secretsKeyId" = NULL,
                        "secretSlots" = NULL
      WHERE id IN (SELECT id FROM "Mail"
                   WHERE status IN ('SENT', 'FAILED') AND "createdAt" < ${mailCutoff}
                     AND (text <> ${removedBody} OR html <> '' OR "secretsSealed" IS NOT NULL)
                   LIMIT ${BATCH})`,
  );
  const signInFailures = await inBatches(
    () => db.$executeRaw`
      DELETE FROM "AuditLog" WHERE id IN (
        SELECT id FROM "AuditLog" WHERE action = ANY(${SIGN_IN_FAILURE_ACTIONS}::text[])
          AND at < ${before(policy.signInFailureDays)} LIMIT ${BATCH})`,
  );
  const revealLinks = await inBatches(
    () => db.$executeRaw`
      DELETE FROM "RevealLink" WHERE id IN (
        SELECT id FROM "RevealLink" WHERE "expiresAt" < ${before(REVEAL_LINK_GRACE_DAYS)} LIMIT ${BATCH})`,
  );
  const auditDays = policy.auditDays;
  const auditEntries =
    auditDays === null
      ? 0
      : await inBatches(
          () => db.$executeRaw`
            DELETE FROM "AuditLog" WHERE id IN (SELECT id FROM "AuditLog" WHERE at < ${before(auditDays)} LIMIT ${BATCH})`,
        );
  return { mailBodies, signInFailures, revealLinks, auditEntries };
}
