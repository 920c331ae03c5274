import type pg from "pg";
import type { CallRecord, CallRecordQuery, Refusal } from "./types";

/**
 * Call records of the Kamailio SQL adapter: the `acc` table kamailio.cfg writes (route[CALL_RECORD]). An INVITE row
 * is a call with its final answer; the BYE row with the same Call-ID, if any, is when it ended. `time` is Kamailio's
 * local time (a TIMESTAMP WITHOUT TIME ZONE), converted with its time zone like location.expires.
 */

type Row = {
  id: number;
  callid: string;
  direction: string | null;
  src_user: string | null;
  dst_user: string | null;
  at: Date;
  ended_at: Date | null;
  sip_code: string;
  sip_reason: string;
};

export async function callRecords(pool: pg.Pool, timeZone: string, query: CallRecordQuery): Promise<CallRecord[]> {
  const outcome =
    query.outcome === "answered"
      ? "AND a.sip_code LIKE '2%'"
      : query.outcome === "failed"
        ? "AND a.sip_code NOT LIKE '2%'"
        : "";
  const params: unknown[] = [query.username, timeZone, Math.min(Math.max(query.limit, 1), 500)];
  let keyset = "";
  if (query.before) {
    params.push(query.before.at, Number(query.before.id));
    // (time, id) below the cursor: `time` compared in Kamailio's local time, as stored.
    keyset = "AND (a.time, a.id) < (($4::timestamptz AT TIME ZONE $2), $5::int)";
  }
  const result = await pool.query<Row>(
    `SELECT a.id, a.callid, a.direction, a.src_user, a.dst_user, a.sip_code,
            coalesce(nullif(a.local_reason, ''), a.sip_reason) AS sip_reason,
            a.time AT TIME ZONE $2 AS at,
            (SELECT min(b.time) FROM acc b WHERE b.callid = a.callid AND b.method = 'BYE' AND b.time >= a.time)
              AT TIME ZONE $2 AS ended_at
     FROM acc a
     WHERE a.trunk = $1 AND a.method = 'INVITE' ${outcome} ${keyset}
     ORDER BY a.time DESC, a.id DESC
     LIMIT $3`,
    params,
  );
  return result.rows.map((row) => ({
    id: String(row.id),
    callId: row.callid,
    direction: row.direction === "in" ? "in" : "out",
    from: row.src_user ?? "",
    to: row.dst_user ?? "",
    at: row.at,
    endedAt: row.sip_code.startsWith("2") ? row.ended_at : null,
    status: Number(row.sip_code) || 0,
    reason: row.sip_reason,
  }));
}

/** Each trunk's latest outbound refusal with one of these reason phrases (kamailio.cfg's $avp(acc_local_reason)). */
export async function refusals(
  pool: pg.Pool,
  timeZone: string,
  query: { reasons: string[]; since: Date },
): Promise<Refusal[]> {
  // acc_refusal_idx: only refusals carry a local reason, so this reads a small part of the day's records.
  const result = await pool.query<{ trunk: string; reason: string; at: Date }>(
    `SELECT DISTINCT ON (trunk) trunk, local_reason AS reason, time AT TIME ZONE $3 AS at
     FROM acc
     WHERE local_reason IS NOT NULL AND local_reason = ANY($1::text[]) AND time >= ($2::timestamptz AT TIME ZONE $3)
       AND method = 'INVITE' AND direction = 'out' AND trunk IS NOT NULL
     ORDER BY trunk, time DESC`,
    [query.reasons, query.since, timeZone],
  );
  return result.rows.map((row) => ({ username: row.trunk, reason: row.reason, at: row.at }));
}

/** Retention: call records older than `before` go. */
export async function purgeCallRecords(pool: pg.Pool, timeZone: string, before: Date): Promise<number> {
  const result = await pool.query("DELETE FROM acc WHERE time < ($1::timestamptz AT TIME ZONE $2)", [before, timeZone]);
  return result.rowCount ?? 0;
}
