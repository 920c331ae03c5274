import type { Db, Tx } from "../db";
import { retryLater } from "../jobs/queue";
import { requestCredentialCheck } from "../trunks/credential-check";
import { SYNC_TRUNK_TASK, syncJobKey } from "../trunks/provision";
import { emitWebhookEvent, trunkEventData } from "../webhooks/events";
import { RegistrarValidationError } from "./subscriber";
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
export function mayAuthenticate(
  trunk: Pick<TrunkForSync, "status"> & {
    customer: Pick<TrunkForSync["customer"], "status" | "isDemo" | "demoExpiresAt">;
  },
  now = new Date(),
): boolean {
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
      allowedCountries: trunk.dialPermission === "COUNTRIES" ? [...trunk.allowedCountries].sort() : [],
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

/** A sync holds its transaction while it writes to the registrar: long enough for the HTTP adapter's retries. */
const SYNC_TIMEOUT_MS = 60_000;

export type SyncOutcome =
  | { outcome: "synced" | "gone" }
  | { outcome: "needs-attention"; error: string }
  | { outcome: "failed"; error: string; nextAttemptAt: Date };

/**
 * Makes the registrar match the trunk as it is now (not as it was when the job was queued), then records the
 * outcome on the trunk:
 * - synced;
 * - refused for good (the registrar rejects the data: a validation error, a 4xx about the content): NEEDS_ATTENTION
 *   with the reason, and no retry, since only a change to the trunk can help;
 * - failed for now (the registrar is unreachable, times out, answers 5xx): FAILED with the error, and the next
 *   attempt queued with a backoff capped at minutes (lib/jobs/queue.ts); the trunk shows that job's run time.
 *
 * Two sync jobs of one trunk can exist at once (a change made while a sync runs queues another). They take turns
 * (a per-trunk advisory lock) and each reads the trunk only once it has its turn, so an older sync can never write to
 * the registrar after a newer one. An outcome is recorded only if no change came in since the sync read the trunk
 * (syncVersion); otherwise the job that change queued still has to run, and the trunk stays PENDING for it.
 */
export async function syncTrunk(db: Db, registrar: Registrar, trunkId: string): Promise<SyncOutcome> {
  const seen: { trunk?: TrunkForSync } = {};
  try {
    return await db.$transaction(
      async (tx): Promise<SyncOutcome> => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${syncJobKey(trunkId)}, 0))`;
        const trunk = await loadTrunkForSync(tx, trunkId);
        if (!trunk) return { outcome: "gone" };
        seen.trunk = trunk;
        if (trunk.status === "DELETED") await registrar.remove(trunk.username);
        else await registrar.put(subscriberFor(trunk));
        const synced = await tx.trunk.updateMany({
          where: { id: trunkId, syncVersion: trunk.syncVersion },
          data: {
            syncState: "SYNCED",
            syncedAt: new Date(),
            syncError: null,
            syncAttempts: 0,
            syncNextAttemptAt: null,
          },
        });
        if (synced.count === 1) {
          await emitWebhookEvent(tx, "trunk.synced", trunkEventData(trunk, "SYNCED"));
          // The registrar now holds the trunk's latest credentials: prove them on the wire.
          if (mayAuthenticate(trunk, new Date())) await requestCredentialCheck(tx, trunkId);
        }
        return { outcome: "synced" };
      },
      { timeout: SYNC_TIMEOUT_MS },
    );
  } catch (error) {
    // Failing before the trunk was read is the portal's own database in trouble: graphile-worker retries the job.
    const { trunk } = seen;
    if (!trunk) throw error;
    const stillLatest = { id: trunkId, syncVersion: trunk.syncVersion };
    const syncError = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    const failures = trunk.syncAttempts + 1;
    /** Webhooks hear of a failure once, when the trunk enters the failed state, not on every retry. */
    const announceFailure = async (tx: Tx, count: number, syncState: "FAILED" | "NEEDS_ATTENTION") => {
      if (count === 0 || trunk.syncState === syncState) return;
      await emitWebhookEvent(tx, "trunk.sync_failed", {
        ...trunkEventData(trunk, syncState),
        error: syncError,
      });
    };
    if (error instanceof RegistrarValidationError) {
      await db.$transaction(async (tx) => {
        const recorded = await tx.trunk.updateMany({
          where: stillLatest,
          data: { syncState: "NEEDS_ATTENTION", syncError, syncAttempts: failures, syncNextAttemptAt: null },
        });
        await announceFailure(tx, recorded.count, "NEEDS_ATTENTION");
      });
      return { outcome: "needs-attention", error: syncError };
    }
    const nextAttemptAt = await db.$transaction(async (tx) => {
      const runAt = await retryLater(tx, SYNC_TRUNK_TASK, { trunkId }, syncJobKey(trunkId), failures);
      const recorded = await tx.trunk.updateMany({
        where: stillLatest,
        data: { syncState: "FAILED", syncError, syncAttempts: failures, syncNextAttemptAt: runAt },
      });
      await announceFailure(tx, recorded.count, "FAILED");
      return runAt;
    });
    return { outcome: "failed", error: syncError, nextAttemptAt };
  }
}
