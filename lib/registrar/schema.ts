import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { PORTAL_SESSION } from "../postgres-session";

const SCHEMA_DIR = "registrar/kamailio/schema";
/** Kamailio's own tables, created once. */
const KAMAILIO_SCHEMA = "kamailio.sql";
/** The portal's tables in the registrar database: idempotent, applied on every call so upgrades add new ones. */
const PORTAL_SCHEMA = "portal.sql";

/** Lock id for pg_advisory_xact_lock: two processes starting together must not both create the tables. */
const SCHEMA_LOCK_ID = 0x4b414d01;

/**
 * Finds a file of registrar/kamailio/schema/: next to this module in the source tree, else under the working
 * directory (bundlers may move this module away from the repository layout).
 */
export function registrarSchemaPath(file = KAMAILIO_SCHEMA): string {
  const relative = path.join(SCHEMA_DIR, file);
  const candidates = [path.resolve(process.cwd(), relative)];
  try {
    const here = path.dirname(fileURLToPath(import.meta.url));
    candidates.unshift(path.resolve(here, "../..", relative));
  } catch {
    // import.meta.url is not a file: URL (bundled); the working directory candidate remains.
  }
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`registrar schema not found (looked in ${candidates.join(", ")})`);
  return found;
}

/**
 * Creates the Kamailio registrar tables (subscriber, usr_preferences, location, version…) from
 * registrar/kamailio/schema/kamailio.sql when `subscriber` does not exist yet, then adds the portal's own tables
 * that are missing (portal.sql). Idempotent and safe to call from several processes at once. Returns true when it
 * created Kamailio's schema.
 */
export async function ensureRegistrarSchema(databaseUrl: string): Promise<boolean> {
  const sql = await readFile(registrarSchemaPath(KAMAILIO_SCHEMA), "utf8");
  const portalSql = await readFile(registrarSchemaPath(PORTAL_SCHEMA), "utf8");
  const client = new pg.Client({ ...PORTAL_SESSION, connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [SCHEMA_LOCK_ID]);
    const exists = await client.query<{ t: string | null }>("SELECT to_regclass('subscriber')::text AS t");
    // The files are plain DDL + INSERTs without parameters: one simple-protocol query runs all their statements.
    if (!exists.rows[0]?.t) await client.query(sql);
    await client.query(portalSql);
    await client.query("COMMIT");
    return !exists.rows[0]?.t;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}
