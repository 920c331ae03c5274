import pg from "pg";
import { PORTAL_SESSION } from "../postgres-session";
import {
  ATTRIBUTE_KEY_SQL,
  attributeRows,
  hostPortOf,
  parseAttributes,
  rowsOfAttributeKey,
} from "./kamailio-attributes";
import { authFailures, purgeAuthFailures } from "./kamailio-sql-auth-failures";
import { callRecords, purgeCallRecords, refusals } from "./kamailio-sql-calls";
import { putProviderPolicy } from "./kamailio-sql-provider";
import { RegistrarValidationError, validateSubscriber } from "./subscriber";
import type { Registrar, RegistrarSnapshot, Registration, SubscriberChange } from "./types";

/**
 * Registrar adapter over the Kamailio PostgreSQL tables used by registrar/kamailio/kamailio.cfg:
 *
 * - `subscriber`: one row per (username, realm) with password = '' and the digest hashes ha1 / ha1b.
 * - `usr_preferences`: the trunk attributes, type 0 rows, uuid = username = the SIP username, domain = realm,
 *   written once per realm. Attribute names (the contract with kamailio.cfg): call_limit, dial_permission,
 *   allowed_country (one row per country), cid_policy, forced_cid, forced_cid_name, did (one row per DID). Rows
 *   whose value would be null / empty are omitted.
 * - `location`: written by Kamailio (usrloc db_mode 1); read here for live registrations.
 * - `location_attrs`: per-contact attributes written by Kamailio with each `location` row (same ruid); kamailio.cfg
 *   records `requested_host`, the server name as the PBX spelled it.
 *
 * Kamailio reads `subscriber` and `usr_preferences` on every request, so a committed put() applies to the next
 * REGISTER or INVITE without any reload.
 *
 * A disabled subscriber is treated exactly like a removed one: its credentials, attributes and stored registrations
 * are deleted (the portal keeps the truth and puts everything back on enable). Kamailio may keep an in-memory
 * registration until it expires, but it can no longer authenticate and kamailio.cfg only routes inbound calls to
 * trunks that still have credentials.
 */

/** Lock namespace for pg_advisory_xact_lock(int, int), so our per-username locks do not collide with other users. */
const LOCK_NAMESPACE = 0x4b414d; // "KAM"

/**
 * Runs `work` in one transaction holding the per-username advisory locks of `usernames`, taken in one order (by hash)
 * so two batches sharing usernames cannot deadlock.
 */
async function inTransaction<T>(
  pool: pg.Pool,
  usernames: readonly string[],
  work: (c: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let result: T;
  try {
    await client.query("BEGIN");
    // Serialises concurrent changes of the same username (the diff below reads, then writes).
    await client.query(
      `SELECT pg_advisory_xact_lock($1, h)
       FROM (SELECT DISTINCT hashtext(u) AS h FROM unnest($2::text[]) AS u ORDER BY h OFFSET 0) ordered`,
      [LOCK_NAMESPACE, usernames],
    );
    result = await work(client);
    await client.query("COMMIT");
  } catch (error) {
    // Discard the connection instead of sending ROLLBACK: after a timeout or a network error it is unusable (a
    // ROLLBACK would queue behind the unanswered query and wait for its own timeout), and PostgreSQL rolls back an
    // open transaction when its session ends. Any other error costs one reconnect.
    client.release(error instanceof Error ? error : true);
    throw error;
  }
  client.release();
  return result;
}

/** PostgreSQL refusing the data itself (class 22, data exception; 23, integrity violation): no retry can help. */
const isRefusedData = (error: unknown) => error instanceof pg.DatabaseError && /^2[23]/.test(error.code ?? "");
const refusal = (error: unknown) =>
  new RegistrarValidationError(`the registrar database refused the data: ${(error as Error).message}`);

/**
 * Makes the registrar match a batch of validated changes, set-based: one statement whatever the batch size.
 * Removed and disabled subscribers lose their credentials, attributes and stored registrations. Enabled ones get
 * their credentials upserted and realms no longer listed dropped (with what was registered there); their attributes
 * are diffed rather than rewritten, so unchanged rows keep their id and last_modified (DID ownership is resolved by
 * lowest id, see kamailio.cfg route[INBOUND]). Every data-modifying part sees the same snapshot, which is what the
 * attribute diff needs: a desired row either exists (its lowest id is kept, duplicates go) or is inserted.
 */
async function writeBatch(client: pg.PoolClient, changes: SubscriberChange[]) {
  const gone: string[] = [];
  const live: string[] = [];
  const credentials = { username: [] as string[], domain: [] as string[], ha1: [] as string[], ha1b: [] as string[] };
  const preferences = {
    username: [] as string[],
    domain: [] as string[],
    attribute: [] as string[],
    value: [] as string[],
  };
  for (const change of changes) {
    if ("remove" in change || !change.put.enabled) {
      gone.push("remove" in change ? change.remove : change.put.username);
      continue;
    }
    const { username, credentials: realms, attributes } = change.put;
    live.push(username);
    const rows = attributeRows(attributes);
    for (const credential of realms) {
      credentials.username.push(username);
      credentials.domain.push(credential.realm);
      credentials.ha1.push(credential.ha1);
      credentials.ha1b.push(credential.ha1b);
      for (const row of rows) {
        preferences.username.push(username);
        preferences.domain.push(credential.realm);
        preferences.attribute.push(row.attribute);
        preferences.value.push(row.value);
      }
    }
  }
  const realms = "unnest($3::text[], $4::text[]) AS d(username, domain)";
  const desired = "unnest($7::text[], $8::text[], $9::text[], $10::text[]) AS d(username, domain, attribute, value)";
  await client.query(
    `WITH
     gone_subscribers AS (DELETE FROM subscriber WHERE username = ANY($1::text[])),
     gone_preferences AS (DELETE FROM usr_preferences WHERE uuid = ANY($1::text[]) OR username = ANY($1::text[])),
     gone_attrs AS (DELETE FROM location_attrs WHERE username = ANY($1::text[])),
     gone_locations AS (DELETE FROM location WHERE username = ANY($1::text[])),
     old_realms AS (
       DELETE FROM subscriber s WHERE s.username = ANY($2::text[])
         AND NOT EXISTS (SELECT 1 FROM ${realms} WHERE d.username = s.username AND d.domain = s.domain)),
     old_realm_locations AS (
       DELETE FROM location l WHERE l.username = ANY($2::text[])
         AND NOT EXISTS (SELECT 1 FROM ${realms} WHERE d.username = l.username AND d.domain = l.domain)),
     old_realm_attrs AS (
       DELETE FROM location_attrs a WHERE a.username = ANY($2::text[])
         AND NOT EXISTS (SELECT 1 FROM ${realms} WHERE d.username = a.username AND d.domain = a.domain)),
     upserted AS (
       INSERT INTO subscriber (username, domain, password, ha1, ha1b)
       SELECT d.username, d.domain, '', d.ha1, d.ha1b FROM unnest($3::text[], $4::text[], $5::text[], $6::text[])
         AS d(username, domain, ha1, ha1b)
       ON CONFLICT (username, domain) DO UPDATE SET password = '', ha1 = EXCLUDED.ha1, ha1b = EXCLUDED.ha1b
       WHERE (subscriber.password, subscriber.ha1, subscriber.ha1b) IS DISTINCT FROM ('', EXCLUDED.ha1, EXCLUDED.ha1b)),
     stale_preferences AS (
       DELETE FROM usr_preferences p
       WHERE (p.uuid = ANY($2::text[]) OR p.username = ANY($2::text[]))
         AND p.id NOT IN (
           SELECT min(k.id) FROM usr_preferences k JOIN ${desired}
             ON k.uuid = d.username AND k.username = d.username AND k.domain = d.domain
            AND k.attribute = d.attribute AND k.value = d.value
           WHERE k.type = 0
           GROUP BY k.uuid, k.domain, k.attribute, k.value))
     INSERT INTO usr_preferences (uuid, username, domain, attribute, type, value, last_modified)
     SELECT d.username, d.username, d.domain, d.attribute, 0, d.value, now() FROM ${desired}
     WHERE NOT EXISTS (
       SELECT 1 FROM usr_preferences k
       WHERE k.uuid = d.username AND k.username = d.username AND k.type = 0
         AND k.domain = d.domain AND k.attribute = d.attribute AND k.value = d.value)`,
    [
      gone,
      live,
      credentials.username,
      credentials.domain,
      credentials.ha1,
      credentials.ha1b,
      preferences.username,
      preferences.domain,
      preferences.attribute,
      preferences.value,
    ],
  );
}

/** One subscriber row with its attributes as the registrar's rows; parsed only when someone reads `attributes`. */
class SqlSnapshot implements RegistrarSnapshot {
  constructor(
    readonly username: string,
    readonly realm: string,
    readonly ha1: string,
    readonly ha1b: string,
    readonly attributeKey: string,
  ) {}

  get attributes() {
    return parseAttributes(rowsOfAttributeKey(this.attributeKey));
  }
}

const usernameOf = (change: SubscriberChange) => ("remove" in change ? change.remove : change.put.username);

export type KamailioSqlRegistrarOptions = {
  /**
   * Time zone Kamailio runs in (an IANA name). Kamailio writes location.expires as a TIMESTAMP WITHOUT TIME ZONE in
   * its local time; the reference setup runs Kamailio with TZ=UTC, hence the default.
   */
  kamailioTimeZone?: string;
  /** Give up opening a connection after this long (default 10 s). */
  connectTimeoutMs?: number;
  /** Give up on a query without an answer after this long (default 30 s). */
  queryTimeoutMs?: number;
};

/** Accounts written between two ANALYZEs of the registrar's tables by one adapter. */
const ANALYZE_AFTER_ACCOUNTS = 2_000;

export function createKamailioSqlRegistrar(databaseUrl: string, options: KamailioSqlRegistrarOptions = {}): Registrar {
  const kamailioTimeZone = options.kamailioTimeZone ?? "UTC";
  // Timeouts on the client side: a registrar database that stops answering (a network partition, packets dropped
  // rather than refused) would otherwise leave a sync job waiting forever, and with it one of the worker's few job
  // slots. A timed-out job fails and graphile-worker retries it like any other failure. keepAlive lets the OS notice
  // a peer that vanished while a connection sat idle in the pool.
  const pool = new pg.Pool({
    ...PORTAL_SESSION,
    connectionString: databaseUrl,
    max: 4,
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    query_timeout: options.queryTimeoutMs ?? 30_000,
    keepAlive: true,
  });
  // An idle client losing its connection must not crash the process; the next query reports the problem.
  pool.on("error", () => {});

  // The batch write reaches a few hundred accounts through the username and uuid indexes, as long as PostgreSQL's
  // statistics describe the tables. Autovacuum analyses a table at most once a minute; a registrar that grows faster
  // (a fresh database taking a 10,000-row import) was written with plans made for the empty tables, scanning them whole
  // for every batch: 11 ms of PostgreSQL CPU per trunk instead of 1.5, and the import's sync a minute instead of
  // seconds (bench/README.md). So the adapter analyses them itself after every few thousand accounts it wrote. Best
  // effort: a role that does not own the tables gets a warning from PostgreSQL, not an error.
  let writtenSinceAnalyze = 0;
  async function analyzeAfterGrowth(written: number) {
    writtenSinceAnalyze += written;
    if (writtenSinceAnalyze < ANALYZE_AFTER_ACCOUNTS) return;
    writtenSinceAnalyze = 0;
    await pool.query("ANALYZE subscriber, usr_preferences").catch(() => {});
  }

  async function apply(changes: readonly SubscriberChange[]): Promise<(Error | null)[]> {
    const results: (Error | null)[] = changes.map(() => null);
    // Validated first: one bad subscriber must not stop the others. For a username listed twice, the last change
    // is the one that counts.
    const valid = new Map<string, { index: number; change: SubscriberChange }>();
    changes.forEach((change, index) => {
      try {
        const checked = "remove" in change ? change : { put: validateSubscriber(change.put) };
        valid.set(usernameOf(checked), { index, change: checked });
      } catch (error) {
        results[index] = error as Error;
      }
    });
    const batch = [...valid.values()];
    if (batch.length === 0) return results;
    try {
      await inTransaction(pool, [...valid.keys()], (client) =>
        writeBatch(
          client,
          batch.map((item) => item.change),
        ),
      );
      await analyzeAfterGrowth(batch.length);
    } catch (error) {
      if (!isRefusedData(error)) throw error;
      if (batch.length === 1) {
        results[batch[0]?.index ?? 0] = refusal(error);
        return results;
      }
      // Which change did the database refuse? Each on its own tells.
      for (const { index, change } of batch) {
        try {
          await inTransaction(pool, [usernameOf(change)], (client) => writeBatch(client, [change]));
        } catch (single) {
          if (!isRefusedData(single)) throw single;
          results[index] = refusal(single);
        }
      }
    }
    return results;
  }

  return {
    apply,

    async put(subscriber) {
      const [error] = await apply([{ put: subscriber }]);
      if (error) throw error;
    },

    async remove(username) {
      const [error] = await apply([{ remove: username }]);
      if (error) throw error;
    },

    async snapshots(usernames) {
      // Both at once, and the preferences as one attributeKey() per account: reconciliation reads every subscriber
      // through here and compares that string, so no row is parsed (`attributes` is read only when asked for).
      const [subscribers, preferences] = await Promise.all([
        pool.query<{ username: string; domain: string; ha1: string; ha1b: string }>(
          "SELECT username, domain, ha1, ha1b FROM subscriber WHERE username = ANY($1::text[]) ORDER BY username, domain",
          [usernames],
        ),
        pool.query<{ username: string; domain: string; key: string }>(
          `SELECT uuid AS username, domain, ${ATTRIBUTE_KEY_SQL} AS key FROM usr_preferences
           WHERE uuid = ANY($1::text[]) AND type = 0 GROUP BY uuid, domain`,
          [usernames],
        ),
      ]);
      const keys = new Map<string, string>();
      for (const p of preferences.rows) keys.set(`${p.username}\n${p.domain}`, p.key);
      return subscribers.rows.map(
        (s) => new SqlSnapshot(s.username, s.domain, s.ha1, s.ha1b, keys.get(`${s.username}\n${s.domain}`) ?? ""),
      );
    },

    async usernames(after, limit) {
      const result = await pool.query<{ username: string }>(
        `SELECT DISTINCT username FROM subscriber WHERE $1::text IS NULL OR username > $1::text
         ORDER BY username LIMIT $2`,
        [after, limit],
      );
      return result.rows.map((row) => row.username);
    },

    async registrations(usernames) {
      // location.expires is a TIMESTAMP WITHOUT TIME ZONE in Kamailio's local time: convert it with Kamailio's
      // time zone, not this process's. Expired rows linger until Kamailio's usrloc timer removes them, hence the
      // filter.
      const result = await pool.query<{
        username: string;
        domain: string | null;
        contact: string;
        received: string | null;
        user_agent: string;
        requested_host: string | null;
        expires: Date;
      }>(
        // kamailio.cfg stores the server name the PBX used as a per-contact usrloc attribute (xavp_contact), which
        // usrloc writes to location_attrs keyed by the contact's ruid. A row from an older configuration has none.
        `SELECT l.username, l.domain, l.contact, l.received, l.user_agent, l.expires AT TIME ZONE $2 AS expires,
                (SELECT a.avalue FROM location_attrs a
                 WHERE a.username = l.username AND a.ruid = l.ruid AND a.aname = 'requested_host'
                 ORDER BY a.id DESC LIMIT 1) AS requested_host
         FROM location l
         WHERE l.username = ANY($1::text[]) ORDER BY l.expires DESC, l.id`,
        [usernames, kamailioTimeZone],
      );
      const now = Date.now();
      const found = new Map<string, Registration[]>(usernames.map((username) => [username, []]));
      for (const r of result.rows) {
        if (r.expires.getTime() <= now) continue;
        found.get(r.username)?.push({
          username: r.username,
          realm: r.domain ?? "",
          contact: r.contact,
          received: r.received || null,
          source: hostPortOf(r.received || null) ?? hostPortOf(r.contact),
          userAgent: r.user_agent || null,
          requestedHost: r.requested_host || null,
          expiresAt: r.expires,
        });
      }
      return found;
    },

    putProviderPolicy: (policy) => putProviderPolicy(pool, policy),
    callRecords: (query) => callRecords(pool, kamailioTimeZone, query),
    refusals: (query) => refusals(pool, kamailioTimeZone, query),
    authFailures: (query) => authFailures(pool, query),
    async purgeRecords(before) {
      return (await purgeCallRecords(pool, kamailioTimeZone, before)) + (await purgeAuthFailures(pool, before));
    },

    async registeredUsernames() {
      // Same time zone rule as registrations().
      const result = await pool.query<{ username: string }>(
        "SELECT DISTINCT username FROM location WHERE expires > (now() AT TIME ZONE $1)",
        [kamailioTimeZone],
      );
      return result.rows.map((row) => row.username);
    },

    async status() {
      // Same time zone rule as registrations(); location_expires_idx keeps this an index scan.
      const result = await pool.query<{ live: number }>(
        "SELECT count(*)::int AS live FROM location WHERE expires > (now() AT TIME ZONE $1)",
        [kamailioTimeZone],
      );
      return { liveRegistrations: result.rows[0]?.live ?? 0 };
    },

    async close() {
      await pool.end();
    },
  };
}
