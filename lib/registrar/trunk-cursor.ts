import type pg from "pg";
import { TRUNK_FOR_SYNC_COLUMNS, type TrunkForSync, type TrunkForSyncRow } from "./sync";

type CursorRow = Omit<TrunkForSyncRow, "credentials" | "dids"> & {
  realms: string[] | null;
  ha1s: string[] | null;
  ha1bs: string[] | null;
  dids: string[] | null;
};

const CURSOR = "reconcile_trunks";

/** Every trunk with its customer, realms and digests, and DIDs, by username (bench/reconciliation.ts reads it too). */
export const TRUNKS_BY_USERNAME = `
  SELECT ${TRUNK_FOR_SYNC_COLUMNS}, ts.realms, ts.ha1s, ts.ha1bs, d.dids
  FROM "Trunk" t JOIN "Customer" c ON c.id = t."customerId"
  LEFT JOIN (SELECT ts."trunkId", array_agg(s.realm) AS realms, array_agg(ts.ha1) AS ha1s, array_agg(ts.ha1b) AS ha1bs
             FROM "TrunkServer" ts JOIN "SipServer" s ON s.id = ts."serverId" GROUP BY ts."trunkId") ts
    ON ts."trunkId" = t.id
  LEFT JOIN (SELECT "trunkId", array_agg(number) AS dids FROM "Did" GROUP BY "trunkId") d ON d."trunkId" = t.id
  ORDER BY t.username`;

/**
 * Every trunk (deleted ones too) as the registrar must know it, in username order, fetched in batches from one cursor
 * over one snapshot. PostgreSQL reads the trunks, their digests and their DIDs each in one pass in id order (merge
 * joins, the order the rows were written in) and sorts the result by username once. The same batches read by
 * keyset through the username index cost a dozen scattered page reads per trunk: about 90 µs per trunk against 10 for
 * this (bench/README.md, "Reconciliation of a million trunks"). The sort spills to temporary files beyond
 * `work_mem` (about 370 MB at a million trunks); memory here holds one batch.
 */
export async function openTrunkCursor(client: pg.PoolClient) {
  await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  // Plan for the whole result (the default, 0.1, favours the first rows: the keyset plan through the index).
  await client.query("SET LOCAL cursor_tuple_fraction = 1");
  await client.query(`DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${TRUNKS_BY_USERNAME}`);
  return {
    /** Up to `count` more trunks; none once every trunk was read. */
    async next(count: number): Promise<TrunkForSync[]> {
      const { rows } = await client.query<CursorRow>(`FETCH ${Math.trunc(count)} FROM ${CURSOR}`);
      // One object per trunk, built in place: a million of them go through here.
      return rows.map((row) => {
        const { realms, ha1s, ha1bs, dids, customerStatus, isDemo, demoExpiresAt } = row;
        const trunk = row as unknown as TrunkForSync;
        trunk.customer = { status: customerStatus, isDemo, demoExpiresAt };
        trunk.credentials = (realms ?? []).map((realm, index) => ({
          realm,
          ha1: ha1s?.[index] ?? "",
          ha1b: ha1bs?.[index] ?? "",
        }));
        trunk.dids = dids ?? [];
        return trunk;
      });
    },
    async close() {
      await client.query("COMMIT");
    },
  };
}
