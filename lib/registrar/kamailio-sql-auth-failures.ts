import type pg from "pg";
import type { AuthFailureCount } from "./types";

/**
 * Failed authentications in the Kamailio SQL adapter: kamailio.cfg (route[AUTH_FAILURE_RECORD]) counts them per
 * username and minute in `auth_failure` (registrar/kamailio/schema/portal.sql), with up to 16 source addresses per
 * minute, whatever address they come from. `minute` is a timestamptz: no Kamailio time zone to convert.
 */

export async function authFailures(
  pool: pg.Pool,
  query: { since: Date; atLeast: number },
): Promise<AuthFailureCount[]> {
  const result = await pool.query<{
    username: string;
    failures: number;
    sources: string[] | null;
    first_at: Date;
    last_at: Date;
  }>(
    `SELECT f.username, sum(f.failures)::int AS failures, min(f.minute) AS first_at, max(f.minute) AS last_at,
            (SELECT array_agg(DISTINCT source ORDER BY source) FROM auth_failure g, unnest(g.sources) AS source
             WHERE g.username = f.username AND g.minute >= $1) AS sources
     FROM auth_failure f
     WHERE f.minute >= $1
     GROUP BY f.username
     HAVING sum(f.failures) >= $2
     ORDER BY f.username`,
    [query.since, query.atLeast],
  );
  return result.rows.map((row) => ({
    username: row.username,
    failures: row.failures,
    sources: row.sources ?? [],
    firstAt: row.first_at,
    lastAt: row.last_at,
  }));
}

/** Retention, with the call records. */
export async function purgeAuthFailures(pool: pg.Pool, before: Date): Promise<number> {
  const result = await pool.query("DELETE FROM auth_failure WHERE minute < $1", [before]);
  return result.rowCount ?? 0;
}
