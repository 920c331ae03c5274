/**
 * The casing promise on the wire: the provider's server names are case-sensitive for calls. A PBX configured with
 * another casing registers (the realm is fixed) but its calls are refused with 404, a reason phrase and a Reason
 * header naming the exact server name. Real Kamailio + PostgreSQL + SIPp.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RegistrarEnvironment, startRegistrarEnvironment } from "../support/registrar-env";
import { sippRegister } from "../support/sipp";
import { subscriber } from "../support/subscribers";

const REALM = "sip1.casing.test";
/** How the provider spells its server (and the portal shows it). */
const SERVER = "Sip1.Casing.test";
const OTHER_SERVER = "SIP2.casing.test";

let env: RegistrarEnvironment;

beforeAll(async () => {
  env = await startRegistrarEnvironment({ realm: REALM });
  await env.registrar.putProviderPolicy({ serverNames: [SERVER, OTHER_SERVER], blockedPrefixes: [] });
  await env.registrar.put(subscriber("casing_trunk", "pw-casing", REALM));
});

afterAll(async () => {
  await env?.stop();
});

const call = (domain: string, extra: { to?: string; toDomain?: string } = {}, expectedAtCarrier = 0) =>
  env.callThroughCarrier(
    {
      to: extra.to ?? "9195551234",
      from: "9193333333",
      domain,
      toDomain: extra.toDomain,
      username: "casing_trunk",
      password: "pw-casing",
    },
    expectedAtCarrier,
  );

describe("server name casing", () => {
  it("a PBX using another casing registers, but its call is refused with 404 naming the exact server name", async () => {
    const registration = await sippRegister({
      proxyPort: env.kamailio.sipPort,
      username: "casing_trunk",
      password: "pw-casing",
      domain: SERVER.toLowerCase(),
    });
    expect(registration.status).toBe(200);

    const refused = await call(SERVER.toLowerCase());
    expect(refused.statuses).toEqual([404]);
    expect(refused.challenges).toEqual([407]);
    expect(refused.replies[0]?.statusLine).toBe(`SIP/2.0 404 Wrong server name casing, use ${SERVER}`);
    expect(refused.replies[0]?.reasonHeader).toBe(`SIP;cause=404;text="Wrong server name casing, use ${SERVER}"`);
  });

  it("checks the To host too, and names whichever server was mis-cased", async () => {
    const refused = await call(SERVER, { toDomain: OTHER_SERVER.toLowerCase() });
    expect(refused.statuses).toEqual([404]);
    expect(refused.replies[0]?.statusLine).toContain(`use ${OTHER_SERVER}`);
  });

  it("lets the exact name, an IP address and an unrelated name through to the carrier", async () => {
    for (const domain of [SERVER, OTHER_SERVER, "127.0.0.1", "pbx.customer.example"]) {
      const placed = await call(domain, {}, 1);
      expect(placed.statuses, domain).toEqual([200]);
    }
  });

  it("never refuses an emergency call for it", async () => {
    const placed = await call(SERVER.toUpperCase(), { to: "911" }, 1);
    expect(placed.statuses).toEqual([200]);
  });

  it("follows the provider's list without a reload", async () => {
    await env.registrar.putProviderPolicy({ serverNames: [OTHER_SERVER], blockedPrefixes: [] });
    expect((await call(SERVER.toLowerCase(), {}, 1)).statuses).toEqual([200]);
    await env.registrar.putProviderPolicy({ serverNames: [SERVER, OTHER_SERVER], blockedPrefixes: [] });
    expect((await call(SERVER.toLowerCase())).statuses).toEqual([404]);
  });

  it("rejects server names that are not hostnames or differ only by case, before writing anything", async () => {
    for (const serverNames of [["sip1.casing.test'; DROP TABLE subscriber; --"], [SERVER, SERVER.toLowerCase()]]) {
      await expect(env.registrar.putProviderPolicy({ serverNames, blockedPrefixes: [] })).rejects.toThrow(
        /^provider policy: serverNames/,
      );
    }
    expect((await call(SERVER.toLowerCase())).statuses).toEqual([404]);
  });
});
