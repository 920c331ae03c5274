import type { Db } from "../db";
import type { Prisma } from "../generated/prisma/client";
import type { SyncState } from "../generated/prisma/enums";
import { isId } from "../validation";
import { NEEDS_ATTENTION } from "./attention";

export const TRUNKS_PER_PAGE = 50;

export const SYNC_STATES = ["SYNCED", "PENDING", "FAILED", "NEEDS_ATTENTION"] as const satisfies readonly SyncState[];
/**
 * A sync state, "failing": failed (retrying) or refused by the registrar, or "attention": any reason a trunk needs
 * someone's attention (./attention.ts).
 */
export const SYNC_FILTERS = [...SYNC_STATES, "failing", "attention"] as const;
export type SyncFilter = (typeof SYNC_FILTERS)[number];

export const parseSyncFilter = (value: string | undefined): SyncFilter | null =>
  SYNC_FILTERS.find((filter) => filter === value) ?? null;

export const FAILING_SYNC_STATES = ["FAILED", "NEEDS_ATTENTION"] as const satisfies readonly SyncState[];

function syncWhere(filter: SyncFilter | null): Prisma.TrunkWhereInput {
  if (!filter) return {};
  if (filter === "attention") return NEEDS_ATTENTION;
  return filter === "failing" ? { syncState: { in: [...FAILING_SYNC_STATES] } } : { syncState: filter };
}

/**
 * Trunks, newest first, optionally only those in a sync state; keyset pages (`before`: the last id of the previous
 * page), so a page costs the same at any depth. The few failing trunks come from the syncState index; the many
 * synced ones from walking the primary key.
 */
export async function listTrunks(db: Db, { sync = null, before }: { sync?: SyncFilter | null; before?: string }) {
  const rows = await db.trunk.findMany({
    where: { ...syncWhere(sync), ...(before && isId(before) ? { id: { lt: before } } : {}) },
    orderBy: { id: "desc" },
    take: TRUNKS_PER_PAGE + 1,
    select: {
      id: true,
      username: true,
      status: true,
      syncState: true,
      syncedAt: true,
      syncError: true,
      syncNextAttemptAt: true,
      customer: { select: { id: true, company: true } },
    },
  });
  const trunks = rows.slice(0, TRUNKS_PER_PAGE);
  return { trunks, next: rows.length > TRUNKS_PER_PAGE ? trunks.at(-1)?.id : undefined };
}

/** Counts above this are shown as "10,000+": counting every synced trunk of a million would scan them all. */
export const COUNT_CAP = 10_000;

/**
 * How many trunks are in each sync state, each count stopping at COUNT_CAP (an index-only scan of at most that many
 * entries of the syncState index), in one statement.
 */
export async function syncStateCounts(db: Db): Promise<Record<SyncState, number>> {
  const [row] = await db.$queryRaw<Record<SyncState, bigint>[]>`
    SELECT
      (SELECT count(*) FROM (SELECT 1 FROM "Trunk" WHERE "syncState" = 'SYNCED' LIMIT ${COUNT_CAP + 1}) t) AS "SYNCED",
      (SELECT count(*) FROM (SELECT 1 FROM "Trunk" WHERE "syncState" = 'PENDING' LIMIT ${COUNT_CAP + 1}) t) AS "PENDING",
      (SELECT count(*) FROM (SELECT 1 FROM "Trunk" WHERE "syncState" = 'FAILED' LIMIT ${COUNT_CAP + 1}) t) AS "FAILED",
      (SELECT count(*) FROM (SELECT 1 FROM "Trunk" WHERE "syncState" = 'NEEDS_ATTENTION' LIMIT ${COUNT_CAP + 1}) t)
        AS "NEEDS_ATTENTION"`;
  if (!row) throw new Error("no counts");
  return Object.fromEntries(SYNC_STATES.map((state) => [state, Number(row[state])])) as Record<SyncState, number>;
}
