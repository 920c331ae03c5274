import { recordAudit, SYSTEM_ACTOR } from "../audit/log";
import { type Db, transaction } from "../db";
import { portalUrl } from "../env";
import { queueMail } from "../mail/queue";
import { authFailureBurstMail } from "../mail/templates";
import type { AuthFailureCount, Registrar } from "../registrar/types";
import { getProviderSettings } from "../settings";

/**
 * Bursts of failed authentications for one trunk's username, from any addresses. The registrar bans an address after
 * repeated failures (kamailio.cfg route[AUTH_FAILED]); an attack spread over many addresses gets past that, so the
 * registrar also counts failures per username (Registrar.authFailures) and this scan, every minute, alerts support:
 * once per burst, through the outbox, audited. A burst ends when its username has been under the threshold for a
 * whole window.
 */

/** At least this many failures within BURST_WINDOW_MS. One PBX with an old password is banned after 10 (BAN_FAILS
 * in 15 minutes), so it alone never reaches this: a burst means several addresses, or a registrar without the ban. */
export const BURST_FAILURES = 20;
export const BURST_WINDOW_MS = 10 * 60 * 1000;
/** Source addresses kept with a burst. */
const MAX_SOURCES = 32;

/** Runs one scan; returns how many new bursts were alerted. */
export async function scanAuthFailureBursts(db: Db, registrar: Registrar, now = new Date()): Promise<number> {
  const since = new Date(now.getTime() - BURST_WINDOW_MS);
  const counts = await registrar.authFailures({ since, atLeast: BURST_FAILURES });
  const trunks = counts.length
    ? await db.trunk.findMany({
        where: { username: { in: counts.map((count) => count.username) }, status: { not: "DELETED" } },
        include: { customer: true, authFailureBursts: { where: { endedAt: null } } },
      })
    : [];
  let alerted = 0;
  for (const trunk of trunks) {
    const count = counts.find((candidate) => candidate.username === trunk.username) as AuthFailureCount;
    const open = trunk.authFailureBursts[0];
    if (open) {
      await db.authFailureBurst.update({
        where: { id: open.id },
        data: {
          lastSeenAt: new Date(Math.max(count.lastAt.getTime(), open.lastSeenAt.getTime())),
          failures: Math.max(open.failures, count.failures),
          sources: [...new Set([...open.sources, ...count.sources])].slice(0, MAX_SOURCES),
        },
      });
    } else if (await alert(db, trunk, count)) {
      alerted++;
    }
  }
  // Quiet for a whole window: the burst is over, and the next one is news again.
  await db.authFailureBurst.updateMany({ where: { endedAt: null, lastSeenAt: { lt: since } }, data: { endedAt: now } });
  return alerted;
}

async function alert(
  db: Db,
  trunk: { id: string; username: string; customerId: string; customer: { company: string } },
  count: AuthFailureCount,
): Promise<boolean> {
  return transaction(db, async (tx) => {
    // One open burst per trunk (a partial unique index): a scan running at the same time finds it and stops here.
    const created = await tx.authFailureBurst.createMany({
      data: [
        {
          trunkId: trunk.id,
          startedAt: count.firstAt,
          lastSeenAt: count.lastAt,
          failures: count.failures,
          sources: count.sources.slice(0, MAX_SOURCES),
        },
      ],
      skipDuplicates: true,
    });
    if (created.count === 0) return false;
    const provider = await getProviderSettings(tx);
    await queueMail(tx, {
      ...authFailureBurstMail({
        provider,
        username: trunk.username,
        company: trunk.customer.company,
        failures: count.failures,
        minutes: BURST_WINDOW_MS / 60_000,
        sources: count.sources,
        trunkUrl: portalUrl(`/staff/trunks/${trunk.id}`),
      }),
      kind: "trunk.auth-failure-burst",
      to: provider.supportEmail,
      customerId: trunk.customerId,
      trunkId: trunk.id,
    });
    await recordAudit(tx, SYSTEM_ACTOR, {
      action: "trunk.auth-failure-burst",
      targetType: "trunk",
      targetId: trunk.id,
      customerId: trunk.customerId,
      details: { username: trunk.username, failures: count.failures, sources: count.sources },
    });
    return true;
  });
}

/** The trunk's burst going on now, if any (the trunk page shows it to staff). */
export function openAuthFailureBurst(db: Db, trunkId: string) {
  return db.authFailureBurst.findFirst({ where: { trunkId, endedAt: null } });
}
