/**
 * Provider settings are validated on the server like every other input: what is saved there becomes every new demo
 * trunk, so a demo the registrar would refuse (or one open to no country) must be impossible to set up.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../lib/auth/policy";
import { executeCommand } from "../../lib/commands";
import { createDemoAccount } from "../../lib/customers";
import type { Db } from "../../lib/db";
import { createServer } from "../../lib/servers";
import { getProviderSettings, updateProviderSettings } from "../../lib/settings";
import { contextFor, createActor, createPortalDatabase } from "../support/portal";

let db: Db;
let admin: Actor;

const form = {
  providerName: "Celito",
  supportEmail: "support@celito.example",
  supportPhone: "+1 919 555 0100",
  forcedCallerId: "+12025550100",
  forcedCallerIdName: "",
  demoCallLimit: "5",
  demoDialPermission: "US_ONLY",
  demoAllowedCountries: "",
  demoDurationDays: "14",
  demoReminderDays: "3",
  passwordDelivery: "LINK",
};

beforeAll(async () => {
  ({ db } = await createPortalDatabase("settings"));
  admin = await createActor(db, "ADMIN");
  await db.sipServer.create({ data: { hostname: "Sip1.Example.net", realm: "sip1.example.net", label: "Primary" } });
});
afterAll(() => db?.$disconnect());

let demos = 0;
async function createDemo() {
  demos++;
  return executeCommand(createDemoAccount, contextFor(db, admin), {
    company: `Demo ${demos}`,
    contactName: "Pat",
    contactEmail: `demo${demos}@settings.example`,
  });
}

describe("the demo dial permission", () => {
  it("refuses “selected countries” without countries, on the server", async () => {
    const result = await executeCommand(updateProviderSettings, contextFor(db, admin), {
      ...form,
      demoDialPermission: "COUNTRIES",
    });
    expect(result).toMatchObject({
      ok: false,
      reason: "invalid",
      fieldErrors: { demoAllowedCountries: ["List the countries demos may call, e.g. US, CA."] },
    });
    expect((await getProviderSettings(db)).demoDialPermission).toBe("US_ONLY");
  });

  it("refuses a country the dial plan does not know", async () => {
    const result = await executeCommand(updateProviderSettings, contextFor(db, admin), {
      ...form,
      demoDialPermission: "COUNTRIES",
      demoAllowedCountries: "CA, XX",
    });
    expect(result).toMatchObject({ ok: false, fieldErrors: { demoAllowedCountries: [expect.stringMatching(/XX/)] } });
  });

  it("with countries, new demo trunks get exactly those countries", async () => {
    const saved = await executeCommand(updateProviderSettings, contextFor(db, admin), {
      ...form,
      demoDialPermission: "COUNTRIES",
      demoAllowedCountries: "ca",
    });
    expect(saved.ok).toBe(true);
    const demo = await createDemo();
    if (!demo.ok) throw new Error(demo.formError);
    expect(demo.value.trunk).toMatchObject({ dialPermission: "COUNTRIES", allowedCountries: ["CA"] });
  });

  it("drops the countries when the permission no longer uses them", async () => {
    await executeCommand(updateProviderSettings, contextFor(db, admin), {
      ...form,
      demoDialPermission: "US_ONLY",
      demoAllowedCountries: "CA",
    });
    expect(await getProviderSettings(db)).toMatchObject({ demoDialPermission: "US_ONLY", demoAllowedCountries: [] });
  });

  it("the database refuses such settings too, and a demo from them gets a clear error, not a stuck trunk", async () => {
    await expect(
      db.providerSettings.update({
        where: { id: 1 },
        data: { demoDialPermission: "COUNTRIES", demoAllowedCountries: [] },
      }),
    ).rejects.toThrow(/ProviderSettings_demo_countries_needed/);
    // A caller-ID name saved before names were checked: the demo is refused with a message, and nothing is created.
    await db.providerSettings.update({ where: { id: 1 }, data: { forcedCallerIdName: "Celito\tDemo" } });
    const before = await db.trunk.count();
    const demo = await createDemo();
    expect(demo).toMatchObject({ ok: false, reason: "conflict", formError: expect.stringMatching(/demo settings/) });
    expect(await db.trunk.count()).toBe(before);
    await db.providerSettings.update({ where: { id: 1 }, data: { forcedCallerIdName: null } });
  });
});

describe("SIP servers", () => {
  it("refuse a hostname too long to be the realm the registrar stores (64 characters) unless a realm is given", async () => {
    const hostname = `${"a".repeat(60)}.example.net`;
    const refused = await executeCommand(createServer, contextFor(db, admin), { hostname, label: "Long" });
    expect(refused).toMatchObject({ ok: false, fieldErrors: { realm: [expect.stringMatching(/64/)] } });
    const accepted = await executeCommand(createServer, contextFor(db, admin), {
      hostname,
      realm: "sip9.example.net",
      label: "Long",
    });
    expect(accepted).toMatchObject({ ok: true, value: { hostname, realm: "sip9.example.net" } });
  });
});
