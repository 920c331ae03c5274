import type pg from "pg";
import { validateProviderPolicy } from "./subscriber";
import type { ProviderPolicy } from "./types";

/**
 * The provider-wide part of the Kamailio SQL adapter (tables of registrar/kamailio/schema/portal.sql that hold one
 * list for every trunk and every Kamailio sharing the database).
 */

/** Replaces the provider-wide rows in one transaction, touching only rows that change. */
export async function putProviderPolicy(pool: pg.Pool, input: ProviderPolicy): Promise<void> {
  const policy = validateProviderPolicy(input);
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("DELETE FROM server_name WHERE NOT (hostname = ANY($1::text[]))", [policy.serverNames]);
    await client.query(
      "INSERT INTO server_name (hostname) SELECT unnest($1::text[]) ON CONFLICT (hostname) DO NOTHING",
      [policy.serverNames],
    );
    await client.query("DELETE FROM blocked_prefix WHERE NOT (prefix = ANY($1::text[]))", [policy.blockedPrefixes]);
    await client.query(
      "INSERT INTO blocked_prefix (prefix) SELECT unnest($1::text[]) ON CONFLICT (prefix) DO NOTHING",
      [policy.blockedPrefixes],
    );
    await client.query("COMMIT");
  } catch (error) {
    // As in the subscriber writes: a broken connection is discarded, PostgreSQL rolls back when the session ends.
    client.release(error instanceof Error ? error : true);
    throw error;
  }
  client.release();
}
