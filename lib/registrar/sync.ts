import type { Db, Tx } from "../db";
import { nextRetryAt } from "../jobs/queue";
import { callingCodesFor } from "../trunks/countries";
import type { Registrar, Subscriber } from "./types";

const syncInclude = { customer: true, dids: true, servers: { include: { server: true } } } as const;
export type TrunkForSync = NonNullable<Awaited<ReturnType<typeof loadTrunkForSync>>>;

function loadTrunkForSync(db: Db | Tx, trunkId: string) {
  return db.trunk.findUnique({ where: { id: trunkId }, include: syncInclude });
}

/** Every trunk as the registrar should see it, for reconciliation. */
export function loadAllTrunksForSync(db: Db) {
  return db.trunk.findMany({ include: syncInclude, orderBy: { username: "asc" } });
}

/** Whether the trunk may authenticate: active, of an active customer, and not of a demo that has ended. */
function mayAuthenticate(trunk: TrunkForSync, now: Date): boolean {
  const { customer } = trunk;
  const demoEnded = customer.isDemo && customer.demoExpiresAt !== null && customer.demoExpiresAt <= now;
  return trunk.status === "ACTIVE" && customer.status === "ACTIVE" && !demoEnded;
}

/**
 * What the registrar must hold for a trunk. A trunk of a suspended or closed customer, or of a demo past its end
 * (even before the expiry job has disabled it), cannot authenticate either.
 */
export function subscriberFor(trunk: TrunkForSync, now = new Date()): Subscriber {
  return {
    username: trunk.username,
    enabled: mayAuthenticate(trunk, now),
    credentials: trunk.servers.map((row) => ({ realm: row.server.realm, ha1: row.ha1, ha1b: row.ha1b })),
    attributes: {
      callLimit: trunk.callLimit,
      dialPermission: trunk.dialPermission,
      allowedPrefixes: callingCodesFor(trunk.allowedCountries),
      callerIdPolicy: trunk.callerIdPolicy,
      forcedCallerId: trunk.forcedCallerId,
      forcedCallerIdName: trunk.forcedCallerIdName,
      dids: trunk.dids.map((did) => did.number).sort(),
    },
  };
}

/** A sync holds its transaction while it writes to the registrar: long enough for the HTTP adapter's retries. */
const SYNC_TIMEOUT_MS = 60_000;

/**
 * Makes the registrar match the trunk as it is now (not as it was when the job was queued), then records the
 * outcome on the trunk. Throws on failure so the job queue retries it.
 *
 * Two sync jobs of one trunk can exist at once (a change made while a sync runs queues another). They take turns
 * (a per-trunk advisory lock) and each reads the trunk only once it has its turn, so an older sync can never write to
 * the registrar after a newer one. A sync marks the trunk SYNCED only if no change came in since it read the trunk
 * (syncVersion); otherwise the job that change queued still has to run.
 */
export async function syncTrunk(db: Db, registrar: Registrar, trunkId: string, attempt: number) {
  try {
    await db.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`sync-trunk:${trunkId}`}, 0))`;
        const trunk = await loadTrunkForSync(tx, trunkId);
        if (!trunk) return;
        if (trunk.status === "DELETED") await registrar.remove(trunk.username);
        else await registrar.put(subscriberFor(trunk));
        await tx.trunk.updateMany({
          where: { id: trunkId, syncVersion: trunk.syncVersion },
          data: {
            syncState: "SYNCED",
            syncedAt: new Date(),
            syncError: null,
            syncAttempts: 0,
            syncNextAttemptAt: null,
          },
        });
      },
      { timeout: SYNC_TIMEOUT_MS },
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await db.trunk.update({
      where: { id: trunkId },
      data: {
        syncState: "FAILED",
        syncError: message.slice(0, 500),
        syncAttempts: attempt,
        syncNextAttemptAt: nextRetryAt(attempt),
      },
    });
    throw error;
  }
}
