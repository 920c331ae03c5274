import { hash } from "node:crypto";
import type pg from "pg";
import type { Db } from "../db";
import { TRUNK_FOR_SYNC_COLUMNS, type TrunkForSync, type TrunkForSyncRow } from "./sync";

type CursorRow = Omit<TrunkForSyncRow, "credentials" | "dids"> & {
  /** "realm ha1 ha1b" per assigned server by realm, space-separated: one string, which pg hands over unparsed. */
  credentials: string | null;
  /** The DIDs, space-separated. */
  dids: string | null;
  digestsVerified: boolean;
};

/** A trunk as reconciliation reads it. */
export type CursorTrunk = TrunkForSync & {
  /**
   * True when an earlier run verified these very digests against this very sealed password (TrunkDigestCheck's
   * fingerprint matches): they need not be checked by opening the password again.
   */
  digestsVerified: boolean;
  /** What a TrunkDigestCheck fingerprint covers, as read. */
  fingerprinted: string;
};

const CURSOR = "reconcile_trunks";

/**
 * What a digest check's fingerprint covers: the username, the sealed password and every realm's stored digests. The
 * same formula in SQL (TRUNKS_BY_USERNAME) and in Node (digestFingerprint): one md5 in PostgreSQL per trunk instead of
 * an AES-GCM open and two md5 per realm in Node.
 */
const FINGERPRINTED_SQL = `t.username || ' ' || t."passwordCiphertext" || ' ' || coalesce(ts.credentials, '')`;

/** Every trunk with its customer, realms and digests, and DIDs, by username (bench/reconciliation.ts reads it too). */
export const TRUNKS_BY_USERNAME = `
  SELECT ${TRUNK_FOR_SYNC_COLUMNS}, ts.credentials, d.dids,
         coalesce(v.fingerprint = md5(${FINGERPRINTED_SQL}), false) AS "digestsVerified"
  FROM "Trunk" t JOIN "Customer" c ON c.id = t."customerId"
  LEFT JOIN (SELECT ts."trunkId", string_agg(s.realm || ' ' || ts.ha1 || ' ' || ts.ha1b, ' ' ORDER BY s.realm) AS credentials
             FROM "TrunkServer" ts JOIN "SipServer" s ON s.id = ts."serverId" GROUP BY ts."trunkId") ts
    ON ts."trunkId" = t.id
  LEFT JOIN (SELECT "trunkId", string_agg(number, ' ') AS dids FROM "Did" GROUP BY "trunkId") d ON d."trunkId" = t.id
  LEFT JOIN "TrunkDigestCheck" v ON v."trunkId" = t.id
  ORDER BY t.username`;

/** The fingerprint TRUNKS_BY_USERNAME compares with, of the trunk as it was read. */
export const digestFingerprint = (trunk: CursorTrunk) => hash("md5", trunk.fingerprinted, "hex");

/**
 * Records that these trunks' digests, as read, were verified against their sealed passwords. A trunk changed since it
 * was read (a password reset) gets a fingerprint its new values do not match: the next run checks it again.
 */
export async function rememberVerifiedDigests(db: Db, trunks: CursorTrunk[]) {
  if (trunks.length === 0) return;
  await db.$executeRaw`
    INSERT INTO "TrunkDigestCheck" ("trunkId", fingerprint)
    SELECT v.id, v.fingerprint FROM unnest(${trunks.map((trunk) => trunk.id)}::text[],
                                           ${trunks.map(digestFingerprint)}::text[]) AS v(id, fingerprint)
    JOIN "Trunk" t ON t.id = v.id
    ON CONFLICT ("trunkId") DO UPDATE SET fingerprint = EXCLUDED.fingerprint, "checkedAt" = now()`;
}

/** Realms, digests and E.164 numbers hold no spaces (lib/validation.ts): a space separates them. */
const words = (list: string | null) => (list ? list.split(" ") : []);

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
    async next(count: number): Promise<CursorTrunk[]> {
      const { rows } = await client.query<CursorRow>(`FETCH ${Math.trunc(count)} FROM ${CURSOR}`);
      // One object per trunk, built in place: a million of them go through here.
      return rows.map((row) => {
        const { credentials, dids, customerStatus, isDemo, demoExpiresAt } = row;
        const trunk = row as unknown as CursorTrunk;
        trunk.customer = { status: customerStatus, isDemo, demoExpiresAt };
        const parts = words(credentials);
        trunk.credentials = [];
        for (let at = 0; at + 2 < parts.length; at += 3) {
          trunk.credentials.push({ realm: parts[at] ?? "", ha1: parts[at + 1] ?? "", ha1b: parts[at + 2] ?? "" });
        }
        trunk.dids = words(dids);
        trunk.fingerprinted = `${trunk.username} ${trunk.passwordCiphertext} ${credentials ?? ""}`;
        return trunk;
      });
    },
    async close() {
      await client.query("COMMIT");
    },
  };
}
