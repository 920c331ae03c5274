import type pg from "pg";
import type { ProviderPolicy } from "./types";

/**
 * The provider-wide part of the Kamailio SQL adapter: tables of registrar/kamailio/schema/portal.sql that hold one
 * list for every trunk (and every Kamailio sharing the database).
 */

/** A DNS hostname as kamailio.cfg interpolates it (route[SERVER_NAME_CASE] only looks up names of this shape). */
const HOSTNAME_RE = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

export class ProviderPolicyValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProviderPolicyValidationError";
  }
}

function validate(policy: ProviderPolicy): ProviderPolicy {
  const serverNames = [...new Set(policy.serverNames)];
  for (const name of serverNames) {
    if (name.length > 253 || !HOSTNAME_RE.test(name)) {
      throw new ProviderPolicyValidationError(`invalid server name ${JSON.stringify(name)}`);
    }
  }
  const lowered = new Set(serverNames.map((name) => name.toLowerCase()));
  if (lowered.size !== serverNames.length) {
    // Two spellings of one name: a call to either would look like the other one's casing mistake.
    throw new ProviderPolicyValidationError("server names must differ by more than their casing");
  }
  return { serverNames };
}

/** Replaces the provider-wide rows in one transaction, touching only rows that change. */
export async function putProviderPolicy(pool: pg.Pool, input: ProviderPolicy): Promise<void> {
  const policy = validate(input);
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("DELETE FROM server_name WHERE NOT (hostname = ANY($1::text[]))", [policy.serverNames]);
    await client.query(
      "INSERT INTO server_name (hostname) SELECT unnest($1::text[]) ON CONFLICT (hostname) DO NOTHING",
      [policy.serverNames],
    );
    await client.query("COMMIT");
  } catch (error) {
    // As in the subscriber writes: a broken connection is discarded, PostgreSQL rolls back when the session ends.
    client.release(error instanceof Error ? error : true);
    throw error;
  }
  client.release();
}
