import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeCommand } from "../../lib/commands";
import { createDemoAccount, listCustomers } from "../../lib/customers";
import type { Db } from "../../lib/db";
import { getProviderSettings } from "../../lib/settings";
import { contextFor, createActor, createPortalDatabase } from "../support/portal";

let db: Db;

beforeAll(async () => {
  ({ db } = await createPortalDatabase("demo"));
  await getProviderSettings(db);
  await db.sipServer.create({ data: { hostname: "Sip1.Example.net", realm: "sip1.example.net", label: "US East" } });
});
afterAll(() => db?.$disconnect());

/** A demo account of its own for each test, so the tests pass in any order. */
async function demo(company: string, contactEmail: string) {
  const sales = await createActor(db, "SALES");
  const result = await executeCommand(createDemoAccount, contextFor(db, sales), {
    company,
    contactName: "Pat Customer",
    contactEmail,
  });
  if (!result.ok) throw new Error(`demo failed: ${JSON.stringify(result)}`);
  return result.value;
}

describe("creating a demo account", () => {
  it("stores the customer, their user and a trunk with exactly the seed's demo defaults", async () => {
    const sales = await createActor(db, "SALES");
    const before = Date.now();
    const result = await executeCommand(createDemoAccount, contextFor(db, sales), {
      company: "Acme Widgets",
      contactName: "Wile E. Coyote",
      contactEmail: "Wile@Acme.example",
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;

    const customer = await db.customer.findUniqueOrThrow({
      where: { id: result.value.customer.id },
      include: { users: true, trunks: { include: { servers: { include: { server: true } }, dids: true } } },
    });
    expect(customer.isDemo).toBe(true);
    const days = ((customer.demoExpiresAt?.getTime() ?? 0) - before) / 86_400_000;
    expect(days).toBeGreaterThan(13.99);
    expect(days).toBeLessThan(14.01);
    expect(customer.users).toMatchObject([{ email: "wile@acme.example", role: "CUSTOMER", name: "Wile E. Coyote" }]);

    expect(customer.trunks).toHaveLength(1);
    const [trunk] = customer.trunks;
    expect(trunk).toMatchObject({
      callLimit: 5,
      dialPermission: "US_ONLY",
      allowedCountries: [],
      callerIdPolicy: "FORCED",
      forcedCallerId: "+12025550100",
      status: "ACTIVE",
      syncState: "PENDING",
    });
    expect(trunk?.username).toMatch(/^acmewidg\d{6}$/);
    expect(trunk?.servers.map((row) => row.server.hostname)).toEqual(["Sip1.Example.net"]);

    const jobs = await db.$queryRaw<{ task_identifier: string; key: string }[]>`
      SELECT task_identifier, key FROM graphile_worker.jobs`;
    expect(jobs).toContainEqual({ task_identifier: "registrar.sync-trunk", key: `sync-trunk:${trunk?.id}` });

    const audit = await db.auditLog.findMany({ where: { customerId: customer.id }, orderBy: { id: "asc" } });
    expect(audit.map((entry) => entry.action)).toEqual(["demo.create", "trunk.create"]);
    expect(audit.every((entry) => entry.actorEmail === sales.email && entry.ip === "127.0.0.1")).toBe(true);
  });

  it("uses the provider's current demo settings", async () => {
    await db.providerSettings.update({
      where: { id: 1 },
      data: { demoCallLimit: 3, demoDurationDays: 30, forcedCallerId: "+19195550123" },
    });
    try {
      const { trunk } = await demo("Road Runner Inc", "beep@roadrunner.example");
      expect(trunk).toMatchObject({ callLimit: 3, forcedCallerId: "+19195550123" });
    } finally {
      await db.providerSettings.update({
        where: { id: 1 },
        data: { demoCallLimit: 5, demoDurationDays: 14, forcedCallerId: "+12025550100" },
      });
    }
  });

  it("rejects a contact email that already has a user, and writes nothing", async () => {
    await demo("First Owner Co", "taken@owner.example");
    const sales = await createActor(db, "SALES");
    const counts = async () => [await db.customer.count(), await db.trunk.count(), await db.auditLog.count()];
    const before = await counts();
    const result = await executeCommand(createDemoAccount, contextFor(db, sales), {
      company: "Duplicate Co",
      contactName: "Again",
      contactEmail: "Taken@Owner.example",
    });
    expect(result).toMatchObject({
      ok: false,
      reason: "conflict",
      fieldErrors: { contactEmail: [expect.any(String)] },
    });
    expect(await counts()).toEqual(before);
  });

  it("names every invalid field", async () => {
    const sales = await createActor(db, "SALES");
    const result = await executeCommand(createDemoAccount, contextFor(db, sales), {
      company: " ",
      contactName: "",
      contactEmail: "not-an-email",
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.fieldErrors ?? {}).sort()).toEqual(["company", "contactEmail", "contactName"]);
  });
});

describe("support's search box", () => {
  it("finds a customer by company, contact email, SIP username or DID", async () => {
    const { customer, trunk } = await demo("Searchable Widgets", "finder@searchable.example");
    await db.did.create({ data: { number: "+19193333333", trunkId: trunk.id } });
    for (const query of ["searchable wid", "finder@search", trunk.username, "919-333-3333", "9193333333"]) {
      const { customers } = await listCustomers(db, { q: query });
      expect(
        customers.map((c) => c.id),
        query,
      ).toEqual([customer.id]);
    }
    expect((await listCustomers(db, { q: "no such thing" })).count).toEqual({ value: 0, precision: "exact" });
  });
});
