import { afterAll, beforeAll, expect } from "vitest";
import { createKamailioSqlRegistrar } from "../../lib/registrar/kamailio-sql";
import { ensureRegistrarSchema } from "../../lib/registrar/schema";
import type { Registrar, Subscriber, SubscriberAttributes } from "../../lib/registrar/types";
import { callThroughCarrier } from "./carrier-calls";
import { createTestDatabase } from "./database";
import { type KamailioInstance, startKamailio } from "./kamailio";
import { type CallsOptions, sippRegister, startRegisteredUas } from "./sipp";
import { credential, subscriber } from "./subscribers";

/**
 * The reference Kamailio configuration for one test file, for real: a fresh registrar database (schema created by
 * ensureRegistrarSchema, provisioned through the SQL adapter only) and Kamailio on it, started before the file's
 * tests and stopped after, with shorthands for trunks and SIPp PBXs in `realm`. Every test comes from 127.0.0.1, so
 * the ban and flood thresholds are kept out of the way (the ban test starts its own strict instance).
 */
export function kamailioForThisFile(realm: string) {
  const suite = {
    databaseUrl: "",
    registrar: undefined as unknown as Registrar,
    kamailio: undefined as unknown as KamailioInstance,
    trunk: (username: string, password: string, attributes: Partial<SubscriberAttributes> = {}): Subscriber =>
      subscriber(username, password, realm, attributes),
    credential: (username: string, password: string, otherRealm = realm) => credential(username, password, otherRealm),
    registrationsOf: async (username: string) => (await suite.registrar.registrations([username])).get(username) ?? [],
    register: (username: string, password: string, extra: { userAgent?: string } = {}) =>
      sippRegister({ proxyPort: suite.kamailio.sipPort, username, password, domain: realm, ...extra }),
    /** A registered PBX that answers one inbound call. */
    registeredPbx: (username: string, password: string) =>
      startRegisteredUas({ proxyPort: suite.kamailio.sipPort, username, password, domain: realm, calls: 1 }),
    callThroughCarrier: (options: Omit<CallsOptions, "proxyPort" | "domain">, expectedAtCarrier: number) =>
      callThroughCarrier(suite.kamailio, realm, options, expectedAtCarrier),
  };
  beforeAll(async () => {
    suite.databaseUrl = await createTestDatabase("registrar");
    expect(await ensureRegistrarSchema(suite.databaseUrl)).toBe(true);
    suite.registrar = createKamailioSqlRegistrar(suite.databaseUrl);
    suite.kamailio = await startKamailio({
      databaseUrl: suite.databaseUrl,
      realm,
      defines: { BAN_FAILS: 10_000, PIKE_DENSITY: 100_000 },
    });
  });
  afterAll(async () => {
    await suite.kamailio?.stop();
    await suite.registrar?.close();
  });
  return suite;
}
