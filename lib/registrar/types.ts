/**
 * Contract between the portal and the SIP registrar (Kamailio). The portal is the source of truth; the registrar
 * adapter makes the registrar database match it. See registrar/kamailio/README.md for how each field is enforced.
 */

export type DialPermission = "US_ONLY" | "US_CANADA" | "COUNTRIES" | "INTERNATIONAL";

export type CallerIdPolicy = "FORCED" | "OWN_DIDS";

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
};

export type RegistrarStatus = {
  /** Contacts registered right now, over all subscribers; null when the registrar cannot tell. */
  liveRegistrations: number | null;
};

export interface Registrar {
  /**
   * Idempotent: makes the registrar match `subscriber` (in one DB transaction). A disabled subscriber must not be
   * able to authenticate (remove its subscriber rows; keep or remove attributes — document). Realms no longer listed
   * are removed.
   */
  put(subscriber: Subscriber): Promise<void>;
  /** Removes the subscriber, its attributes and its registrations. Idempotent. */
  remove(username: string): Promise<void>;
  /** Everything the registrar has, for reconciliation. */
  list(): Promise<RegistrarSnapshot[]>;
  /** Live registrations (non-expired) for one username. */
  registrations(username: string): Promise<Registration[]>;
  /**
   * Usernames with at least one live registration, for the registration watch (trunk.registered and
   * trunk.unregistered webhooks); null when the registrar cannot list them.
   */
  registeredUsernames(): Promise<string[] | null>;
  /** Whether the registrar answers (this throws when it does not), and how many registrations are live. */
  status(): Promise<RegistrarStatus>;
  close(): Promise<void>;
}
