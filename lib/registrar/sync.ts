import { type Db, type SqlTx, sqlRows, sqlTransaction, type Tx } from "../db";
import { Prisma } from "../generated/prisma/client";
import type { SyncState, TrunkStatus } from "../generated/prisma/enums";
import { enqueueJob, retryLater } from "../jobs/queue";
import { metrics } from "../observability/metrics";
import { requestCredentialChecks } from "../trunks/credential-check";
import { SYNC_PRIORITY, SYNC_TRUNK_TASK, syncJobKey, syncJobSpecs } from "../trunks/provision";
import { emitWebhookEvents, trunkEventData } from "../webhooks/events";
import { RegistrarValidationError } from "./subscriber";
import type { Registrar, Subscriber, SubscriberChange } from "./types";

/** A trunk with everything the registrar must know about it, read in one query for many trunks. */
export type TrunkForSync = {
  id: string;
  customerId: string;
  username: string;
  status: TrunkStatus;
  syncState: SyncState;
  syncVersion: number;
  syncAttempts: number;
  callLimit: number;
  dialPermission: Subscriber["attributes"]["dialPermission"];
  allowedCountries: string[];
  callerIdPolicy: Subscriber["attributes"]["callerIdPolicy"];
  forcedCallerId: string | null;
  forcedCallerIdName: string | null;
  passwordCiphertext: string;
  passwordKeyId: string;
  customer: { status: string; isDemo: boolean; demoExpiresAt: Date | null };
  /** One per assigned server: its realm and the stored digests. */
  credentials: { realm: string; ha1: string; ha1b: string }[];
  dids: string[];
  /** Fraud guard (lib/trunks/fraud-guard.ts): the registrar's limits, and a suspension of outbound calls. */
  maxCallsPerSecond: number | null;
  maxCallsPerDay: number | null;
  maxMinutesPerDay: number | null;
  outboundSuspendedReason: string | null;
  capCountingSince: Date | null;
};

export type TrunkForSyncRow = Omit<TrunkForSync, "customer"> & {
  customerStatus: string;
  isDemo: boolean;
  demoExpiresAt: Date | null;
};

/** The columns of a TrunkForSync but its credentials and DIDs: the trunk's (alias t) and its customer's (alias c). */
export const TRUNK_FOR_SYNC_COLUMNS = `t.id, t."customerId", t.username, t.status::text AS status,
  t."syncState"::text AS "syncState", t."syncVersion", t."syncAttempts", t."callLimit",
  t."dialPermission"::text AS "dialPermission", t."allowedCountries", t."callerIdPolicy"::text AS "callerIdPolicy",
  t."forcedCallerId", t."forcedCallerIdName", t."passwordCiphertext", t."passwordKeyId", t."maxCallsPerSecond",
  t."maxCallsPerDay", t."maxMinutesPerDay", t."outboundSuspendedReason", t."capCountingSince",
  c.status::text AS "customerStatus", c."isDemo", c."demoExpiresAt"`;

export const trunkForSync = ({ customerStatus, isDemo, demoExpiresAt, ...trunk }: TrunkForSyncRow): TrunkForSync => ({
  ...trunk,
  customer: { status: customerStatus, isDemo, demoExpiresAt },
});

/**
 * The trunks matching `where` (on alias t), each with its servers' realms and digests and its DIDs. `name`: a named
 * statement (the same `where` text every time), parsed and planned once per connection.
 */
export async function loadTrunksForSync(db: Db | Tx | SqlTx, where: Prisma.Sql, name?: string) {
  const rows = await sqlRows<TrunkForSyncRow>(
    db,
    Prisma.sql`
    SELECT ${Prisma.raw(TRUNK_FOR_SYNC_COLUMNS)},
           COALESCE((SELECT json_agg(json_build_object('realm', s.realm, 'ha1', ts.ha1, 'ha1b', ts.ha1b) ORDER BY s.realm)
                     FROM "TrunkServer" ts JOIN "SipServer" s ON s.id = ts."serverId" WHERE ts."trunkId" = t.id),
                    '[]'::json) AS credentials,
           ARRAY(SELECT d.number FROM "Did" d WHERE d."trunkId" = t.id ORDER BY d.number) AS dids
    FROM "Trunk" t JOIN "Customer" c ON c.id = t."customerId"
    WHERE ${where}`,
    name,
  );
  return rows.map(trunkForSync);
}

/** Whether the trunk may authenticate: active, of an active customer, and not of a demo that has ended. */
export function mayAuthenticate(
  trunk: Pick<TrunkForSync, "status"> & { customer: TrunkForSync["customer"] },
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
    credentials: trunk.credentials.map(({ realm, ha1, ha1b }) => ({ realm, ha1, ha1b })),
    attributes: {
      callLimit: trunk.callLimit,
      dialPermission: trunk.dialPermission,
      allowedCountries: trunk.dialPermission === "COUNTRIES" ? [...trunk.allowedCountries].sort() : [],
      callerIdPolicy: trunk.callerIdPolicy,
      forcedCallerId: trunk.forcedCallerId,
      forcedCallerIdName: trunk.forcedCallerIdName,
      dids: [...trunk.dids].sort(),
      maxCallsPerSecond: trunk.maxCallsPerSecond,
      maxCallsPerDay: trunk.maxCallsPerDay,
      maxMinutesPerDay: trunk.maxMinutesPerDay,
      outboundSuspended: trunk.outboundSuspendedReason,
      // The registrar's call records have whole seconds: counting from the next whole second keeps a call answered
      // in the same second as the lift, but before it, out of the new count (a later one in that second is free).
      capCountingSince: trunk.capCountingSince ? Math.ceil(trunk.capCountingSince.getTime() / 1000) : null,
    },
  };
}

const changeFor = (trunk: TrunkForSync): SubscriberChange =>
  trunk.status === "DELETED" ? { remove: trunk.username } : { put: subscriberFor(trunk) };

/**
 * A sync's transaction sits idle while it writes to the registrar: allowed long enough for the HTTP adapter's retries
 * (and the SQL adapter's connect and query timeouts).
 */
const SYNC_TIMEOUT_MS = 60_000;
/**
 * A batch looks this many times its size into the oldest waiting trunks for ones no other batch holds: during a burst
 * the worker's concurrent jobs then take different trunks instead of all trying (and all but one failing) to lock the
 * same oldest ones. The lock attempts stop once the batch is full.
 */
const PENDING_WINDOW = 5;

/** When a job left its trunk to another batch that held it, it runs again this much later. */
const DEFERRED_SYNC_MS = 250;

export type SyncOutcome =
  | { outcome: "synced" | "gone" }
  /** Another sync held the trunk; this one comes back shortly. */
  | { outcome: "deferred" }
  | { outcome: "needs-attention"; error: string }
  | { outcome: "failed"; error: string; nextAttemptAt: Date };

const lockKey = Prisma.sql`hashtextextended('sync-trunk:' || id, 0)`;
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 500);

/**
 * Makes the registrar match each trunk as it is now (not as it was when its job was queued), in one registrar
 * transaction for the whole batch, then records each trunk's outcome:
 * - synced;
 * - refused for good (the registrar rejects that trunk's data: a validation error, a 4xx about the content):
 *   NEEDS_ATTENTION with the reason, and no retry, since only a change to the trunk can help;
 * - failed for now (the registrar is unreachable, times out, answers 5xx): FAILED with the error, and the next
 *   attempt queued with a backoff capped at minutes (lib/jobs/queue.ts); the trunk shows that job's run time.
 *
 * Two syncs of one trunk can run at once (a change made while a sync runs queues another). They take turns (a
 * per-trunk advisory lock, taken in one order for a whole batch so batches cannot deadlock; a worker's job that finds
 * its trunk held leaves it to the holder and comes back shortly) and each reads the trunk only once it has its turn, so an older sync can never write to the registrar after a newer one. An outcome is
 * recorded only if no change came in since the sync read the trunk (syncVersion); otherwise the job that change
 * queued still has to run, and the trunk stays PENDING for it.
 *
 * `alsoPending`: the worker also takes up to this many other trunks waiting for a sync (those whose turn it can have
 * at once), writes them in the same transaction, and removes their jobs once their outcome is recorded: a burst of
 * changes reaches the registrar in a few transactions instead of one each. `force: false` skips trunks another sync
 * already brought up to date (SYNCED); reconciliation forces a rewrite.
 */
export async function syncTrunks(
  db: Db,
  registrar: Registrar,
  trunkIds: string[],
  { alsoPending = 0, force = true }: { alsoPending?: number; force?: boolean } = {},
): Promise<Map<string, SyncOutcome>> {
  const outcomes = new Map<string, SyncOutcome>();
  const seen = new Map<string, TrunkForSync>();
  let lags: (number | null)[] = [];
  let deferred: string[] = [];
  try {
    // Plain `pg` on one connection with named statements, not Prisma's interactive transaction: trunks arriving one at
    // a time get a sync run each, and Prisma's transaction and query compiler cost the worker about 3 ms of CPU per
    // run (bench/README.md, round 6).
    await sqlTransaction(
      db,
      async (tx) => {
        let own = trunkIds;
        let extras: { id: string }[] = [];
        if (alsoPending > 0) {
          // A job's trunk may be in another batch at this moment (taken along): rather than wait for that batch,
          // leave the trunk to it and take the other waiting trunks at once, so batches overlap. The job comes back
          // shortly, in case that batch read the trunk before the change this job is for (it then cannot record
          // SYNCED, and the trunk still needs a sync).
          // One round trip takes the job's own trunks' turns and the other waiting trunks' (own first: the outer
          // query reads the first CTE to its end before the second).
          const held = await sqlRows<{ id: string; own: boolean }>(
            tx,
            Prisma.sql`
            WITH own AS (
              SELECT id FROM unnest(${trunkIds}::text[]) AS id WHERE pg_try_advisory_xact_lock(${lockKey})),
            waiting AS (
              SELECT id FROM (
                SELECT id FROM "Trunk" WHERE "syncState" = 'PENDING' AND id <> ALL(${trunkIds}::text[])
                ORDER BY "syncRequestedAt" LIMIT ${alsoPending * PENDING_WINDOW}) oldest
              WHERE pg_try_advisory_xact_lock(${lockKey}) LIMIT ${alsoPending})
            SELECT id, true AS own FROM own UNION ALL SELECT id, false AS own FROM waiting`,
            "sync-take-turns",
          );
          own = held.filter((row) => row.own).map((row) => row.id);
          extras = held.filter((row) => !row.own);
          deferred = trunkIds.filter((id) => !own.includes(id));
          for (const { payload, key } of syncJobSpecs(deferred)) {
            await enqueueJob(tx, SYNC_TRUNK_TASK, payload, {
              jobKey: key ?? undefined,
              runAt: new Date(Date.now() + DEFERRED_SYNC_MS),
              priority: SYNC_PRIORITY,
            });
          }
          for (const id of deferred) outcomes.set(id, { outcome: "deferred" });
        } else {
          await sqlRows(
            tx,
            Prisma.sql`
            SELECT pg_advisory_xact_lock(h) FROM (
              SELECT DISTINCT hashtextextended('sync-trunk:' || id, 0) AS h FROM unnest(${trunkIds}::text[]) AS id
              ORDER BY h OFFSET 0) ordered`,
            "sync-wait-turns",
          );
        }
        const extraIds = new Set(extras.map((row) => row.id));
        const ids = [...own, ...extraIds];
        const trunks = await loadTrunksForSync(tx, Prisma.sql`t.id = ANY(${ids}::text[])`, "sync-load-trunks");
        for (const id of own) outcomes.set(id, { outcome: "gone" });
        const due = trunks.filter((trunk) => force || trunk.syncState !== "SYNCED" || extraIds.has(trunk.id));
        for (const trunk of trunks) seen.set(trunk.id, trunk);
        for (const trunk of trunks) if (!due.includes(trunk)) outcomes.set(trunk.id, { outcome: "synced" });
        if (due.length === 0) return;

        const results = await registrar.apply(due.map(changeFor));
        const synced = due.filter((_, index) => !results[index]);
        const refused = due.flatMap((trunk, index) => {
          const error = results[index];
          return error ? [{ trunk, error: messageOf(error) }] : [];
        });
        const recorded = await sqlRows<{ id: string; lag: number | null }>(
          tx,
          Prisma.sql`
          UPDATE "Trunk" t SET "syncState" = 'SYNCED', "syncedAt" = clock_timestamp(), "syncError" = NULL, "syncAttempts" = 0,
                 "syncNextAttemptAt" = NULL, "updatedAt" = now()
          FROM unnest(${synced.map((trunk) => trunk.id)}::text[], ${synced.map((trunk) => trunk.syncVersion)}::int[])
            AS v(id, version)
          WHERE t.id = v.id AND t."syncVersion" = v.version
          RETURNING t.id, extract(epoch FROM clock_timestamp() - t."syncRequestedAt")::float8 AS lag`,
          "sync-record-synced",
        );
        lags = recorded.map((row) => row.lag);
        const attention =
          refused.length === 0
            ? []
            : await sqlRows<{ id: string }>(
                tx,
                Prisma.sql`
          UPDATE "Trunk" t SET "syncState" = 'NEEDS_ATTENTION', "syncError" = v.error,
                 "syncAttempts" = t."syncAttempts" + 1, "syncNextAttemptAt" = NULL, "updatedAt" = now()
          FROM unnest(${refused.map((item) => item.trunk.id)}::text[],
                      ${refused.map((item) => item.trunk.syncVersion)}::int[],
                      ${refused.map((item) => item.error)}::text[]) AS v(id, version, error)
          WHERE t.id = v.id AND t."syncVersion" = v.version
          RETURNING t.id`,
                "sync-record-refused",
              );
        // The jobs of the other trunks taken along are done: their outcome is recorded (a change since then would
        // have stopped that, and queued a job of its own).
        const done = [...recorded, ...attention].map((row) => row.id).filter((id) => extraIds.has(id));
        if (done.length) await removeSyncJobs(tx, done);
        const now = new Date();
        const syncedTrunks = recorded.map(({ id }) => seen.get(id) as TrunkForSync);
        await emitWebhookEvents(
          tx,
          "trunk.synced",
          syncedTrunks.map((trunk) => trunkEventData(trunk, "SYNCED")),
        );
        // The registrar now holds the trunks' latest credentials: prove them on the wire.
        await requestCredentialChecks(
          tx,
          syncedTrunks.filter((trunk) => mayAuthenticate(trunk, now)).map((trunk) => trunk.id),
        );
        for (const { id } of attention) {
          const item = refused.find(({ trunk }) => trunk.id === id);
          if (item) await announceFailure(tx, item.trunk, "NEEDS_ATTENTION", item.error);
        }
        for (const trunk of synced) outcomes.set(trunk.id, { outcome: "synced" });
        for (const { trunk, error } of refused) outcomes.set(trunk.id, { outcome: "needs-attention", error });
      },
      { idleTimeoutMs: SYNC_TIMEOUT_MS },
    );
    // From the change to its registrar rows, once the outcome is committed.
    for (const lag of lags) if (lag !== null) metrics().syncLag.observe(lag);
  } catch (error) {
    // Failing before the trunks were read is the portal's own database in trouble: graphile-worker retries the job.
    // So does a job whose trunk was left to another batch: its return was rolled back with the rest.
    if (seen.size === 0 || deferred.length > 0) throw error;
    const syncError = messageOf(error);
    // The other trunks taken along keep their own jobs, which try again on their own.
    for (const trunkId of trunkIds) {
      const trunk = seen.get(trunkId);
      if (!trunk) continue;
      outcomes.set(trunkId, await recordFailure(db, trunk, syncError, error instanceof RegistrarValidationError));
    }
  }
  return outcomes;
}

/**
 * Removes the waiting sync jobs of these trunks in one statement, as graphile-worker's `remove_job` does one by one
 * (a job a worker holds is not deleted but kept from running again, its key freed), without its notification per job,
 * which workers ignore. Each part tests the job row itself, so a job a worker takes meanwhile is not deleted under it.
 * Trunks created together have no job of their own: nothing to remove.
 */
async function removeSyncJobs(tx: SqlTx, trunkIds: string[]) {
  const keys = trunkIds.map(syncJobKey);
  await sqlRows(
    tx,
    Prisma.sql`
    WITH removed AS (
      DELETE FROM graphile_worker._private_jobs
      WHERE key = ANY(${keys}::text[]) AND (locked_at IS NULL OR locked_at < now() - interval '4 hours'))
    UPDATE graphile_worker._private_jobs SET key = NULL, attempts = max_attempts, updated_at = now()
    WHERE key = ANY(${keys}::text[]) AND locked_at >= now() - interval '4 hours'`,
    "sync-remove-jobs",
  );
}

/** Webhooks hear of a failure once, when the trunk enters a failed state, not on every retry. */
async function announceFailure(
  tx: Tx | SqlTx,
  trunk: TrunkForSync,
  syncState: "FAILED" | "NEEDS_ATTENTION",
  syncError: string,
) {
  if (trunk.syncState === syncState) return;
  await emitWebhookEvents(tx, "trunk.sync_failed", [{ ...trunkEventData(trunk, syncState), error: syncError }]);
}

/** Records a failed sync (if no change came in since it read the trunk) and queues the retry of one that may pass. */
async function recordFailure(db: Db, trunk: TrunkForSync, syncError: string, refused: boolean): Promise<SyncOutcome> {
  const stillLatest = { id: trunk.id, syncVersion: trunk.syncVersion };
  const failures = trunk.syncAttempts + 1;
  if (refused) {
    await db.$transaction(async (tx) => {
      const recorded = await tx.trunk.updateMany({
        where: stillLatest,
        data: { syncState: "NEEDS_ATTENTION", syncError, syncAttempts: failures, syncNextAttemptAt: null },
      });
      if (recorded.count > 0) await announceFailure(tx, trunk, "NEEDS_ATTENTION", syncError);
    });
    return { outcome: "needs-attention", error: syncError };
  }
  const nextAttemptAt = await db.$transaction(async (tx) => {
    const runAt = await retryLater(
      tx,
      SYNC_TRUNK_TASK,
      { trunkId: trunk.id },
      syncJobKey(trunk.id),
      failures,
      SYNC_PRIORITY,
    );
    const recorded = await tx.trunk.updateMany({
      where: stillLatest,
      data: { syncState: "FAILED", syncError, syncAttempts: failures, syncNextAttemptAt: runAt },
    });
    if (recorded.count > 0) await announceFailure(tx, trunk, "FAILED", syncError);
    return runAt;
  });
  return { outcome: "failed", error: syncError, nextAttemptAt };
}

/** Syncs one trunk now (a forced rewrite), with the guarantees of `syncTrunks`. */
export async function syncTrunk(db: Db, registrar: Registrar, trunkId: string): Promise<SyncOutcome> {
  return (await syncTrunks(db, registrar, [trunkId])).get(trunkId) ?? { outcome: "gone" };
}
