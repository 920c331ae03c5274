import pg from "pg";
import { authFailures, purgeAuthFailures } from "./kamailio-sql-auth-failures";
import { callRecords, purgeCallRecords, refusals } from "./kamailio-sql-calls";
import { fraudGuardRows, parseFraudGuard, putProviderPolicy } from "./kamailio-sql-provider";
import { RegistrarValidationError, validateSubscriber } from "./subscriber";
import type {
  CallerIdPolicy,
  DialPermission,
  Registrar,
  RegistrarSnapshot,
  Registration,
  SubscriberAttributes,
} from "./types";

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

type AttributeRow = { attribute: string; value: string };

/** The usr_preferences rows for one set of attributes (same rows for every realm). */
export function attributeRows(attributes: SubscriberAttributes): AttributeRow[] {
  const rows: AttributeRow[] = [
    { attribute: "call_limit", value: String(attributes.callLimit) },
    { attribute: "dial_permission", value: attributes.dialPermission },
    { attribute: "cid_policy", value: attributes.callerIdPolicy },
  ];
  for (const country of attributes.allowedCountries) rows.push({ attribute: "allowed_country", value: country });
  if (attributes.forcedCallerId) rows.push({ attribute: "forced_cid", value: attributes.forcedCallerId });
  if (attributes.forcedCallerIdName) rows.push({ attribute: "forced_cid_name", value: attributes.forcedCallerIdName });
  for (const did of attributes.dids) rows.push({ attribute: "did", value: did });
  rows.push(...fraudGuardRows(attributes));
  return rows;
}

/** Parses stored attribute rows back; values outside the contract are passed through so a comparison shows them. */
function parseAttributes(rows: AttributeRow[]): SubscriberAttributes {
  const first = (name: string) => rows.find((r) => r.attribute === name)?.value ?? null;
  const all = (name: string) => rows.filter((r) => r.attribute === name).map((r) => r.value);
  return {
    callLimit: Number.parseInt(first("call_limit") ?? "0", 10) || 0,
    dialPermission: (first("dial_permission") ?? "") as DialPermission,
    allowedCountries: all("allowed_country").sort(),
    callerIdPolicy: (first("cid_policy") ?? "") as CallerIdPolicy,
    forcedCallerId: first("forced_cid"),
    forcedCallerIdName: first("forced_cid_name"),
    dids: all("did"),
    ...parseFraudGuard(first),
  };
}

/** "sip:user@1.2.3.4:5070;transport=udp" → "1.2.3.4:5070" (5060 when the URI has no port). */
export function hostPortOf(uri: string | null): string | null {
  if (!uri) return null;
  const m = /^sips?:(?:[^@;>]*@)?(\[[^\]]+\]|[^:;>?]+)(?::(\d+))?/i.exec(uri.trim());
  if (!m) return null;
  return `${m[1]}:${m[2] ?? (uri.toLowerCase().startsWith("sips:") ? "5061" : "5060")}`;
}

async function inTransaction<T>(pool: pg.Pool, username: string, work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let result: T;
  try {
    await client.query("BEGIN");
    // Serialises concurrent put/remove for the same username (the diff below reads, then writes).
    await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [LOCK_NAMESPACE, username]);
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
function refusedData(error: unknown): never {
  if (error instanceof pg.DatabaseError && /^2[23]/.test(error.code ?? "")) {
    throw new RegistrarValidationError(`the registrar database refused the data: ${error.message}`);
  }
  throw error;
}

async function deleteEverything(client: pg.PoolClient, username: string): Promise<void> {
  await client.query("DELETE FROM subscriber WHERE username = $1", [username]);
  await client.query("DELETE FROM usr_preferences WHERE uuid = $1 OR username = $1", [username]);
  await client.query("DELETE FROM location_attrs WHERE username = $1", [username]);
  await client.query("DELETE FROM location WHERE username = $1", [username]);
}

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

export function createKamailioSqlRegistrar(databaseUrl: string, options: KamailioSqlRegistrarOptions = {}): Registrar {
  const kamailioTimeZone = options.kamailioTimeZone ?? "UTC";
  // Timeouts on the client side: a registrar database that stops answering (a network partition, packets dropped
  // rather than refused) would otherwise leave a sync job waiting forever, and with it one of the worker's few job
  // slots. A timed-out job fails and graphile-worker retries it like any other failure. keepAlive lets the OS notice
  // a peer that vanished while a connection sat idle in the pool.
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 4,
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    query_timeout: options.queryTimeoutMs ?? 30_000,
    keepAlive: true,
  });
  // An idle client losing its connection must not crash the process; the next query reports the problem.
  pool.on("error", () => {});

  return {
    async put(input) {
      const subscriber = validateSubscriber(input);
      const { username } = subscriber;
      await inTransaction(pool, username, async (client) => {
        if (!subscriber.enabled) {
          await deleteEverything(client, username);
          return;
        }
        const realms = subscriber.credentials.map((c) => c.realm);

        // Credentials: drop realms no longer listed (and what was registered there), upsert the others.
        await client.query("DELETE FROM subscriber WHERE username = $1 AND NOT (domain = ANY($2::text[]))", [
          username,
          realms,
        ]);
        await client.query("DELETE FROM location WHERE username = $1 AND NOT (domain = ANY($2::text[]))", [
          username,
          realms,
        ]);
        await client.query("DELETE FROM location_attrs WHERE username = $1 AND NOT (domain = ANY($2::text[]))", [
          username,
          realms,
        ]);
        for (const c of subscriber.credentials) {
          await client.query(
            `INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES ($1, $2, '', $3, $4)
             ON CONFLICT (username, domain) DO UPDATE SET password = '', ha1 = EXCLUDED.ha1, ha1b = EXCLUDED.ha1b
             WHERE (subscriber.password, subscriber.ha1, subscriber.ha1b) IS DISTINCT FROM ('', EXCLUDED.ha1, EXCLUDED.ha1b)`,
            [username, c.realm, c.ha1, c.ha1b],
          );
        }

        // Attributes: the same rows in every realm. Diff instead of delete-all + insert, so unchanged rows keep
        // their id and last_modified (DID ownership is resolved by lowest id, see kamailio.cfg route[INBOUND]).
        const rows = attributeRows(subscriber.attributes);
        const domains: string[] = [];
        const names: string[] = [];
        const values: string[] = [];
        for (const realm of realms) {
          for (const r of rows) {
            domains.push(realm);
            names.push(r.attribute);
            values.push(r.value);
          }
        }
        const desired = "SELECT * FROM unnest($2::text[], $3::text[], $4::text[]) AS d(domain, attribute, value)";
        // Keep exactly one well-formed row per desired (domain, attribute, value); delete everything else we own.
        await client.query(
          `DELETE FROM usr_preferences p
           WHERE (p.uuid = $1::text OR p.username = $1::text)
             AND p.id NOT IN (
               SELECT min(k.id) FROM usr_preferences k JOIN (${desired}) d
                 ON k.domain = d.domain AND k.attribute = d.attribute AND k.value = d.value
               WHERE k.uuid = $1 AND k.username = $1 AND k.type = 0
               GROUP BY k.domain, k.attribute, k.value)`,
          [username, domains, names, values],
        );
        await client.query(
          `INSERT INTO usr_preferences (uuid, username, domain, attribute, type, value, last_modified)
           SELECT $1::text, $1::text, d.domain, d.attribute, 0, d.value, now() FROM (${desired}) d
           WHERE NOT EXISTS (
             SELECT 1 FROM usr_preferences k
             WHERE k.uuid = $1 AND k.username = $1 AND k.type = 0
               AND k.domain = d.domain AND k.attribute = d.attribute AND k.value = d.value)`,
          [username, domains, names, values],
        );
      }).catch(refusedData);
    },

    async remove(username) {
      await inTransaction(pool, username, (client) => deleteEverything(client, username));
    },

    async list() {
      const subscribers = await pool.query<{ username: string; domain: string; ha1: string; ha1b: string }>(
        "SELECT username, domain, ha1, ha1b FROM subscriber ORDER BY username, domain",
      );
      const prefs = await pool.query<{ username: string; domain: string; attribute: string; value: string }>(
        "SELECT uuid AS username, domain, attribute, value FROM usr_preferences WHERE type = 0 ORDER BY id",
      );
      const byAccount = new Map<string, AttributeRow[]>();
      for (const p of prefs.rows) {
        const key = `${p.username}\n${p.domain}`;
        const list = byAccount.get(key) ?? [];
        list.push({ attribute: p.attribute, value: p.value });
        byAccount.set(key, list);
      }
      return subscribers.rows.map(
        (s): RegistrarSnapshot => ({
          username: s.username,
          realm: s.domain,
          ha1: s.ha1,
          ha1b: s.ha1b,
          attributes: parseAttributes(byAccount.get(`${s.username}\n${s.domain}`) ?? []),
        }),
      );
    },

    async registrations(username) {
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
         WHERE l.username = $1 ORDER BY l.expires DESC, l.id`,
        [username, kamailioTimeZone],
      );
      const now = Date.now();
      return result.rows
        .filter((r) => r.expires.getTime() > now)
        .map(
          (r): Registration => ({
            username: r.username,
            realm: r.domain ?? "",
            contact: r.contact,
            received: r.received || null,
            source: hostPortOf(r.received || null) ?? hostPortOf(r.contact),
            userAgent: r.user_agent || null,
            requestedHost: r.requested_host || null,
            expiresAt: r.expires,
          }),
        );
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
