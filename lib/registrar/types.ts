/**
 * Contract between the portal and the SIP registrar (Kamailio). The portal is the source of truth; the registrar
 * adapter makes the registrar database match it. See registrar/kamailio/README.md for how each field is enforced.
 */

import type { CallerIdPolicy, DialPermission } from "../generated/prisma/enums";

export type { CallerIdPolicy, DialPermission };

export type SubscriberAttributes = {
  callLimit: number; // 1..1000
  dialPermission: DialPermission;
  /**
   * For COUNTRIES: ISO 3166-1 alpha-2 codes, e.g. ["CA", "GB"]. Exact: "US" is not "CA", though both are +1 (the
   * registrar tells countries apart with registrar/kamailio/dialplan.cfg, generated from libphonenumber).
   */
  allowedCountries: string[];
  callerIdPolicy: CallerIdPolicy;
  forcedCallerId: string | null; // E.164 with '+', e.g. "+19195550100"
  forcedCallerIdName: string | null;
  dids: string[]; // E.164 with '+'
  /** Fraud guard (null or absent: no limit). */
  maxCallsPerSecond?: number | null;
  maxCallsPerDay?: number | null;
  maxMinutesPerDay?: number | null;
  /** Why outbound calling is suspended (non-emergency calls refused), or null. */
  outboundSuspended?: string | null;
  /** Daily caps count calls from this moment (unix seconds) when it is later than midnight UTC: a lifted suspension. */
  capCountingSince?: number | null;
};

/** One per SIP server realm. ha1 = md5(username:realm:password), ha1b = md5(username@realm:realm:password). */
export type SubscriberCredential = { realm: string; ha1: string; ha1b: string };

export type Subscriber = {
  username: string;
  enabled: boolean;
  credentials: SubscriberCredential[];
  attributes: SubscriberAttributes;
};

export type Registration = {
  username: string;
  realm: string;
  contact: string;
  received: string | null;
  source: string | null /* "ip:port" */;
  userAgent: string | null;
  /**
   * The SIP server name exactly as the PBX sent it (host of its REGISTER's Request-URI, case preserved), or null when
   * the registrar did not record it. The hostname is case-sensitive for calls: compare with SipServer.hostname.
   */
  requestedHost: string | null;
  expiresAt: Date;
};

export type RegistrarSnapshot = {
  username: string;
  realm: string;
  ha1: string;
  ha1b: string;
  attributes: SubscriberAttributes;
  /**
   * The registrar's attribute rows as attributeKey() (./kamailio-attributes) puts them, when the adapter has its rows
   * at hand: reconciliation compares this rather than `attributes`.
   */
  attributeKey?: string;
};

/**
 * Provider-wide rules the registrar enforces for every trunk, written whole by the portal (putProviderPolicy).
 */
export type ProviderPolicy = {
  /**
   * Every SIP server hostname, exactly as the provider spells it. A call addressed to another casing of one of these
   * names is refused with a reply naming the exact name (the hostnames are case-sensitive for calls).
   */
  serverNames: string[];
  /** E.164 prefixes with '+' (e.g. "+882") that no trunk may call, whatever its dial permission. */
  blockedPrefixes: string[];
};

/** One call of a trunk as the registrar recorded it (reference Kamailio: the acc table). */
export type CallRecord = {
  /** Stable and unique per registrar: the keyset cursor's tie-breaker. */
  id: string;
  callId: string;
  direction: "out" | "in";
  /** The caller and the dialled number as sent (before the registrar rewrites them). */
  from: string;
  to: string;
  /** When the call got its final answer: answered, or refused / failed. */
  at: Date;
  /** When an answered call ended (its BYE); null while it lasts or when the end was not seen. */
  endedAt: Date | null;
  status: number;
  reason: string;
};

export type CallOutcome = "answered" | "failed";

export type CallRecordQuery = {
  username: string;
  outcome?: CallOutcome;
  /** Keyset pagination: only calls older than this one (by `at`, then `id`). */
  before?: { at: Date; id: string };
  limit: number;
};

/** A trunk's latest refusal with a given reason phrase (the fraud guard's scan for crossed daily caps). */
export type Refusal = { username: string; reason: string; at: Date };

/**
 * Failed authentications of one username counted by the registrar, from any source address (reference Kamailio: the
 * auth_failure table, per minute): what the portal's burst alert reads.
 */
export type AuthFailureCount = {
  username: string;
  failures: number;
  /** Distinct source addresses seen (the registrar may keep only the first few per minute). */
  sources: string[];
  firstAt: Date;
  lastAt: Date;
};

export type RegistrarStatus = {
  /** Contacts registered right now, over all subscribers; null when the registrar cannot tell. */
  liveRegistrations: number | null;
};

/** One change to make at the registrar: provision a subscriber as given, or remove one. */
export type SubscriberChange = { put: Subscriber } | { remove: string };

export interface Registrar {
  /**
   * Idempotent: makes the registrar match `subscriber` (in one DB transaction). A disabled subscriber must not be
   * able to authenticate (remove its subscriber rows; keep or remove attributes — document). Realms no longer listed
   * are removed.
   */
  put(subscriber: Subscriber): Promise<void>;
  /** Removes the subscriber, its attributes and its registrations. Idempotent. */
  remove(username: string): Promise<void>;
  /**
   * Applies many changes at once (one registrar transaction where the adapter can), as put/remove would one by one.
   * One result per change, in order: null when it was applied, the error otherwise (a RegistrarValidationError when
   * the registrar refuses that change's data). A failure that is not about one change's data (the registrar is
   * unreachable) throws instead.
   */
  apply(changes: readonly SubscriberChange[]): Promise<(Error | null)[]>;
  /** What the registrar holds for these usernames (every realm of each), for reconciliation. */
  snapshots(usernames: readonly string[]): Promise<RegistrarSnapshot[]>;
  /**
   * Up to `limit` usernames the registrar knows, after `after` (null: from the first) in its own order, so
   * reconciliation can walk everything it holds in batches.
   */
  usernames(after: string | null, limit: number): Promise<string[]>;
  /** Live (non-expired) registrations of each username asked for, in one lookup; a username with none maps to []. */
  registrations(usernames: readonly string[]): Promise<Map<string, Registration[]>>;
  /** Idempotent: makes the registrar's provider-wide rules equal `policy` (one transaction). */
  putProviderPolicy(policy: ProviderPolicy): Promise<void>;
  /** A trunk's calls, newest first. */
  callRecords(query: CallRecordQuery): Promise<CallRecord[]>;
  /** Each trunk's latest refused call since `since` whose reason phrase is one of `reasons`. */
  refusals(query: { reasons: string[]; since: Date }): Promise<Refusal[]>;
  /** Usernames with at least `atLeast` failed authentications since `since`, from any address. */
  authFailures(query: { since: Date; atLeast: number }): Promise<AuthFailureCount[]>;
  /** Deletes call records and failed-authentication counts older than `before` (retention); returns how many. */
  purgeRecords(before: Date): Promise<number>;
  /**
   * Usernames with at least one live registration, for the registration watch (trunk.registered and
   * trunk.unregistered webhooks); null when the registrar cannot list them.
   */
  registeredUsernames(): Promise<string[] | null>;
  /** Whether the registrar answers (this throws when it does not), and how many registrations are live. */
  status(): Promise<RegistrarStatus>;
  close(): Promise<void>;
}
