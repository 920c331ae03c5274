import type { Db } from "../db";
import { retryLater } from "../jobs/queue";
import { SYNC_TRUNK_TASK, syncJobKey } from "../trunks/provision";
import { RegistrarValidationError } from "./subscriber";
import type { Registrar, Subscriber } from "./types";

const syncInclude = { customer: true, dids: true, servers: { include: { server: true } } } as const;
export type TrunkForSync = NonNullable<Awaited<ReturnType<typeof loadTrunkForSync>>>;

function loadTrunkForSync(db: Db, trunkId: string) {
  return db.trunk.findUnique({ where: { id: trunkId }, include: syncInclude });
}

/** Every trunk as the registrar should see it, for reconciliation. */
export function loadAllTrunksForSync(db: Db) {
  return db.trunk.findMany({ include: syncInclude, orderBy: { username: "asc" } });
}

/** What the registrar must hold for a trunk. A trunk of a suspended or closed customer cannot authenticate either. */
export function subscriberFor(trunk: TrunkForSync): Subscriber {
  return {
    username: trunk.username,
    enabled: trunk.status === "ACTIVE" && trunk.customer.status === "ACTIVE",
    credentials: trunk.servers.map((row) => ({ realm: row.server.realm, ha1: row.ha1, ha1b: row.ha1b })),
    attributes: {
      callLimit: trunk.callLimit,
      dialPermission: trunk.dialPermission,
      allowedCountries: trunk.dialPermission === "COUNTRIES" ? [...trunk.allowedCountries].sort() : [],
      callerIdPolicy: trunk.callerIdPolicy,
      forcedCallerId: trunk.forcedCallerId,
      forcedCallerIdName: trunk.forcedCallerIdName,
      dids: trunk.dids.map((did) => did.number).sort(),
    },
  };
}

/**
 * Makes the registrar match the trunk as it is now (not as it was when the job was queued), then records the
 * outcome on the trunk:
 * - synced;
 * - refused for good (the registrar rejects the data: a validation error, a 4xx about the content): NEEDS_ATTENTION
 *   with the reason, and no retry, since only a change to the trunk can help;
 * - failed for now (the registrar is unreachable, times out, answers 5xx): FAILED with the error, and the next
 *   attempt queued with a backoff capped at minutes (lib/jobs/queue.ts); the trunk shows that job's run time.
 * A change made while this sync ran has queued another sync: the outcome is not recorded over its PENDING.
 */
export type SyncOutcome =
  | { outcome: "synced" | "gone" }
  | { outcome: "needs-attention"; error: string }
  | { outcome: "failed"; error: string; nextAttemptAt: Date };

export async function syncTrunk(db: Db, registrar: Registrar, trunkId: string): Promise<SyncOutcome> {
  const startedAt = new Date();
  const trunk = await loadTrunkForSync(db, trunkId);
  if (!trunk) return { outcome: "gone" };
  const stillLatest = { id: trunkId, OR: [{ syncRequestedAt: null }, { syncRequestedAt: { lte: startedAt } }] };
  try {
    if (trunk.status === "DELETED") await registrar.remove(trunk.username);
    else await registrar.put(subscriberFor(trunk));
  } catch (error) {
    const syncError = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    const failures = trunk.syncAttempts + 1;
    if (error instanceof RegistrarValidationError) {
      await db.trunk.updateMany({
        where: stillLatest,
        data: { syncState: "NEEDS_ATTENTION", syncError, syncAttempts: failures, syncNextAttemptAt: null },
      });
      return { outcome: "needs-attention", error: syncError };
    }
    const nextAttemptAt = await db.$transaction(async (tx) => {
      const runAt = await retryLater(tx, SYNC_TRUNK_TASK, { trunkId }, syncJobKey(trunkId), failures);
      await tx.trunk.updateMany({
        where: stillLatest,
        data: { syncState: "FAILED", syncError, syncAttempts: failures, syncNextAttemptAt: runAt },
      });
      return runAt;
    });
    return { outcome: "failed", error: syncError, nextAttemptAt };
  }
  await db.trunk.updateMany({
    where: stillLatest,
    data: { syncState: "SYNCED", syncedAt: new Date(), syncError: null, syncAttempts: 0, syncNextAttemptAt: null },
  });
  return { outcome: "synced" };
}
