import type { CallerIdPolicy, DialPermission, SubscriberAttributes } from "./types";

/**
 * The trunk attributes as kamailio.cfg reads them: rows of usr_preferences (type 0, one set per realm). Attribute
 * names are the contract with kamailio.cfg: call_limit, dial_permission, allowed_country (one row per country),
 * cid_policy, forced_cid, forced_cid_name, did (one row per DID), and the fraud guard's max_cps, max_calls_day,
 * max_minutes_day, outbound_suspended, cap_since. Rows whose value would be null or empty are omitted. Pure mapping:
 * the SQL that writes and reads them is ./kamailio-sql.
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

export type AttributeRow = { attribute: string; value: string };

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

/**
 * A set of attribute rows as one comparable string: `attribute=value` lines in code-point order, one per row, so
 * duplicates and rows outside the contract show. Reconciliation compares these instead of parsed objects (the SQL
 * adapter builds the same string in its query, ATTRIBUTE_KEY_SQL): a million registrar rows are never parsed. No value
 * holds a line break (control characters are refused), and no attribute name holds `=`.
 */
export const attributeKey = (rows: AttributeRow[]) =>
  rows
    .map((row) => `${row.attribute}=${row.value}`)
    .sort()
    .join("\n");

/** attributeKey() over usr_preferences rows, in SQL ("C": code-point order, as JavaScript sorts these strings). */
export const ATTRIBUTE_KEY_SQL = `string_agg(attribute || '=' || value, E'\\n' ORDER BY attribute || '=' || value COLLATE "C")`;

/** The rows an attributeKey() was built from. */
export const rowsOfAttributeKey = (key: string): AttributeRow[] =>
  key === ""
    ? []
    : key.split("\n").map((line) => {
        const at = line.indexOf("=");
        return { attribute: line.slice(0, at), value: line.slice(at + 1) };
      });

/** Parses stored attribute rows back; values outside the contract are passed through so a comparison shows them. */
export function parseAttributes(rows: AttributeRow[]): SubscriberAttributes {
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
