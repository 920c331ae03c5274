import type { Db } from "../db";
import { nextRetryAt } from "../jobs/queue";
import { callingCodesFor } from "../trunks/countries";
import { requestCredentialCheck } from "../trunks/credential-check";
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
      allowedPrefixes: callingCodesFor(trunk.allowedCountries),
      callerIdPolicy: trunk.callerIdPolicy,
      forcedCallerId: trunk.forcedCallerId,
      forcedCallerIdName: trunk.forcedCallerIdName,
      dids: trunk.dids.map((did) => did.number).sort(),
      maxCallsPerSecond: trunk.maxCallsPerSecond,
      maxCallsPerDay: trunk.maxCallsPerDay,
      maxMinutesPerDay: trunk.maxMinutesPerDay,
      outboundSuspended: trunk.outboundSuspendedReason,
      capCountingSince: trunk.capCountingSince ? Math.floor(trunk.capCountingSince.getTime() / 1000) : null,
    },
  };
}

/**
 * Makes the registrar match the trunk as it is now (not as it was when the job was queued), then records the
 * outcome on the trunk. Throws on failure so the job queue retries it.
 */
export async function syncTrunk(db: Db, registrar: Registrar, trunkId: string, attempt: number) {
  const startedAt = new Date();
  const trunk = await loadTrunkForSync(db, trunkId);
  if (!trunk) return;
  try {
    if (trunk.status === "DELETED") await registrar.remove(trunk.username);
    else await registrar.put(subscriberFor(trunk));
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
  // A change made while this sync ran has queued another sync; leave the trunk pending for that one.
  const synced = await db.trunk.updateMany({
    where: { id: trunkId, OR: [{ syncRequestedAt: null }, { syncRequestedAt: { lte: startedAt } }] },
    data: { syncState: "SYNCED", syncedAt: new Date(), syncError: null, syncAttempts: 0, syncNextAttemptAt: null },
  });
  // The registrar now holds the trunk's latest credentials: prove them on the wire.
  if (synced.count === 1 && subscriberFor(trunk).enabled) await requestCredentialCheck(db, trunkId);
}
