import type pg from "pg";
import { validateProviderPolicy } from "./subscriber";
import type { ProviderPolicy, SubscriberAttributes } from "./types";

/**
 * The provider-wide part of the Kamailio SQL adapter (tables of registrar/kamailio/schema/portal.sql that hold one
 * list for every trunk and every Kamailio sharing the database), and the fraud guard's per-trunk attributes.
 */

type FraudGuard = Pick<
  SubscriberAttributes,
  "maxCallsPerSecond" | "maxCallsPerDay" | "maxMinutesPerDay" | "outboundSuspended" | "capCountingSince"
>;

/** The fraud guard's usr_preferences rows (kamailio.cfg route[FRAUD_GUARD]); absent limits write nothing. */
export function fraudGuardRows(a: FraudGuard): { attribute: string; value: string }[] {
  const rows: { attribute: string; value: string }[] = [];
  const add = (attribute: string, value: number | string | null | undefined) => {
    if (value !== null && value !== undefined && value !== "") rows.push({ attribute, value: String(value) });
  };
  add("max_cps", a.maxCallsPerSecond);
  add("max_calls_day", a.maxCallsPerDay);
  add("max_minutes_day", a.maxMinutesPerDay);
  add("outbound_suspended", a.outboundSuspended);
  add("cap_since", a.capCountingSince);
  return rows;
}

/** The fraud guard's attributes read back; absent rows are absent keys, as for a subscriber put without limits. */
export function parseFraudGuard(first: (name: string) => string | null): FraudGuard {
  const guard: FraudGuard = {};
  const number = (name: string) => {
    const value = first(name);
    return value === null ? undefined : Number.parseInt(value, 10);
  };
  const values: FraudGuard = {
    maxCallsPerSecond: number("max_cps"),
    maxCallsPerDay: number("max_calls_day"),
    maxMinutesPerDay: number("max_minutes_day"),
    outboundSuspended: first("outbound_suspended") ?? undefined,
    capCountingSince: number("cap_since"),
  };
  for (const [key, value] of Object.entries(values) as [keyof FraudGuard, never][]) {
    if (value !== undefined) guard[key] = value;
  }
  return guard;
}

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
