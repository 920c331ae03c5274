import pg from "pg";
import { PORTAL_SESSION } from "../postgres-session";

/** The database role Kamailio connects with. */
export const KAMAILIO_DB_ROLE = "kamailio";

/**
 * Everything registrar/kamailio/kamailio.cfg does in the registrar database, and nothing more: every module checks
 * its table's `version` row; auth_db reads `subscriber`; avpops reads `usr_preferences` (the inbound DID lookup joins
 * both); usrloc writes registrations through (db_mode 1) and deletes expired ones. A change to the configuration
 * that touches another table (e.g. accounting) adds it here.
 */
export const KAMAILIO_TABLE_PRIVILEGES: Record<string, string[]> = {
  version: ["SELECT"],
  subscriber: ["SELECT"],
  usr_preferences: ["SELECT"],
  location: ["SELECT", "INSERT", "UPDATE", "DELETE"],
  location_attrs: ["SELECT", "INSERT", "UPDATE", "DELETE"],
  // route[SERVER_NAME_CASE] and route[FRAUD_GUARD] read the provider-wide lists; acc writes the call records, which
  // the daily caps count; route[AUTH_FAILURE_RECORD] counts failed authentications (an upsert).
  server_name: ["SELECT"],
  blocked_prefix: ["SELECT"],
  acc: ["SELECT", "INSERT"],
  auth_failure: ["SELECT", "INSERT", "UPDATE"],
};

/**
 * Creates (or updates) Kamailio's login role on the registrar database at `adminUrl` (connected as its owner or a
 * superuser): the given password, CONNECT on this database, exactly KAMAILIO_TABLE_PRIVILEGES and the sequences
 * behind the tables it inserts into. Whatever it was granted before is revoked first. Idempotent.
 */
export async function ensureKamailioRole(adminUrl: string, password: string, role = KAMAILIO_DB_ROLE): Promise<void> {
  const client = new pg.Client({ ...PORTAL_SESSION, connectionString: adminUrl });
  await client.connect();
  try {
    const name = client.escapeIdentifier(role);
    await client.query("BEGIN");
    // Roles are cluster-wide: two portals starting on one cluster must not both create it.
    await client.query("SELECT pg_advisory_xact_lock(hashtext('trunk-portal:kamailio-role'))");
    const exists = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role]);
    const attributes = `LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS PASSWORD ${client.escapeLiteral(password)}`;
    await client.query(`${exists.rowCount ? "ALTER" : "CREATE"} ROLE ${name} ${attributes}`);
    const database = client.escapeIdentifier(client.database ?? "");
    await client.query(`GRANT CONNECT ON DATABASE ${database} TO ${name}`);
    await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${name}`);
    await client.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${name}`);
    for (const [table, privileges] of Object.entries(KAMAILIO_TABLE_PRIVILEGES)) {
      await client.query(`GRANT ${privileges.join(", ")} ON ${client.escapeIdentifier(table)} TO ${name}`);
      if (privileges.includes("INSERT")) {
        // Tables keyed otherwise (auth_failure) have no id column, and no sequence.
        const sequence = await client.query<{ name: string | null }>(
          `SELECT pg_get_serial_sequence($1, 'id') AS name FROM information_schema.columns
           WHERE table_schema = current_schema() AND table_name = $1 AND column_name = 'id'`,
          [table],
        );
        if (sequence.rows[0]?.name) await client.query(`GRANT USAGE ON SEQUENCE ${sequence.rows[0].name} TO ${name}`);
      }
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}

/** `url` with Kamailio's role and password instead of its own credentials. */
export function kamailioRoleUrl(url: string, password: string, role = KAMAILIO_DB_ROLE): string {
  const parsed = new URL(url);
  parsed.username = role;
  parsed.password = password;
  return parsed.toString();
}
