import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../lib/auth/policy";
import { executeCommand } from "../../lib/commands";
import { createDemoAccount, listCustomers, updateCustomer } from "../../lib/customers";
import { convertDemo, demoStatus, extendDemo } from "../../lib/customers/demo";
import { expireDemos, queueDemoReminders } from "../../lib/customers/demo-expiry";
import { createDb, type Db } from "../../lib/db";
import { getProviderSettings, updateProviderSettings } from "../../lib/settings";
import { createTrunk, setTrunkStatus } from "../../lib/trunks";
import { contextFor, createActor, createPortalDatabase } from "../support/portal";

let db: Db;
/** A second client with its own connection pool: a second worker running the same job. */
let otherWorkerDb: Db;
let serverId: string;
let admin: Actor;
let sales: Actor;
let support: Actor;

beforeAll(async () => {
  let url: string;
  ({ db, url } = await createPortalDatabase("expiry"));
  otherWorkerDb = createDb(url);
  serverId = (
    await db.sipServer.create({ data: { hostname: "Sip.Demo.example", realm: "sip.demo.example", label: "x" } })
  ).id;
  admin = await createActor(db, "ADMIN");
  sales = await createActor(db, "SALES");
  support = await createActor(db, "SUPPORT");
});
afterAll(async () => {
  await otherWorkerDb?.$disconnect();
  await db?.$disconnect();
});

const DAY = 86_400_000;
const days = (n: number) => new Date(Date.now() + n * DAY);
/** A date field's value n days from now. */
const dateField = (n: number) => days(n).toISOString().slice(0, 10);

let count = 0;
/** A demo made through sales' form, ending `endsIn` days from now. */
async function demo(endsIn: number, company = `Demo ${++count}`) {
  const created = await executeCommand(createDemoAccount, contextFor(db, sales), {
    company,
    contactName: "Dee Demo",
    contactEmail: `demo${count}-${Date.now()}@expiry.example`,
  });
  if (!created.ok) throw new Error(created.formError);
  await db.customer.update({ where: { id: created.value.customer.id }, data: { demoExpiresAt: days(endsIn) } });
  return created.value;
}

/** When the expiry job ended this customer's demo (null while it has not). */
const endedAt = async (customerId: string) =>
  (await db.customer.findUniqueOrThrow({ where: { id: customerId } })).demoExpiredAt;
const mailsTo = (customerId: string, kind: string) => db.mail.findMany({ where: { customerId, kind } });
const trunksOf = (customerId: string) => db.trunk.findMany({ where: { customerId }, orderBy: { createdAt: "asc" } });

describe("the demo reminder", () => {
  it("is a validated provider setting", async () => {
    const settings = await getProviderSettings(db);
    const form = (demoReminderDays: string) => ({ ...settings, forcedCallerIdName: "", demoReminderDays });
    for (const bad of ["0", "31", "2.5", "soon"]) {
      const result = await executeCommand(updateProviderSettings, contextFor(db, admin), form(bad));
      expect(result, bad).toMatchObject({
        ok: false,
        reason: "invalid",
        fieldErrors: { demoReminderDays: [expect.any(String)] },
      });
    }
    expect(await executeCommand(updateProviderSettings, contextFor(db, admin), form("5"))).toMatchObject({ ok: true });
    expect((await db.providerSettings.findUniqueOrThrow({ where: { id: 1 } })).demoReminderDays).toBe(5);
  });

  it("goes to active demos ending within the setting's days, once each, even with two workers at once", async () => {
    await db.providerSettings.update({
      where: { id: (await getProviderSettings(db)).id },
      data: { demoReminderDays: 5 },
    });
    const inTwo = await demo(2);
    const inFour = await demo(4.5);
    const inSix = await demo(6);
    const ended = await demo(-1);
    const suspended = await demo(1);
    await db.customer.update({ where: { id: suspended.customer.id }, data: { status: "SUSPENDED" } });

    // Other tests' demos may be reminded too; what matters is each of these, exactly once.
    await Promise.all([queueDemoReminders(db), queueDemoReminders(otherWorkerDb)]);
    await queueDemoReminders(db);
    for (const { customer } of [inTwo, inFour]) expect(await mailsTo(customer.id, "demo.expiring")).toHaveLength(1);
    for (const { customer } of [inSix, ended, suspended])
      expect(await mailsTo(customer.id, "demo.expiring")).toEqual([]);
    const [mail] = await mailsTo(inTwo.customer.id, "demo.expiring");
    expect(mail?.text).toMatch(/ends on .* After that its SIP trunks stop working/);
  });
});

describe("a demo's end", () => {
  it("disables its active trunks once, records why, emails the customer and audits it as the system", async () => {
    const { customer, trunk } = await demo(5);
    // A second trunk, and a third that support disabled for their own reason before the demo ended.
    const second = await executeCommand(createTrunk, contextFor(db, sales), {
      customerId: customer.id,
      serverIds: serverId,
      callLimit: "5",
      dialPermission: "US_ONLY",
      callerIdPolicy: "FORCED",
    });
    const third = await executeCommand(createTrunk, contextFor(db, sales), {
      customerId: customer.id,
      serverIds: serverId,
      callLimit: "5",
      dialPermission: "US_ONLY",
      callerIdPolicy: "FORCED",
    });
    if (!second.ok || !third.ok) throw new Error("trunk creation failed");
    await executeCommand(setTrunkStatus, contextFor(db, support), {
      trunkId: third.value.id,
      status: "DISABLED",
      reason: "fraud check",
    });
    const untouched = await demo(1);
    await expireDemos(db); // demos other tests left past their end
    await db.customer.update({ where: { id: customer.id }, data: { demoExpiresAt: days(-0.01) } });
    const versions = new Map((await trunksOf(customer.id)).map((t) => [t.id, t.syncVersion]));

    // Two workers run the job at the same moment, then it runs again a minute later.
    const [a, b] = await Promise.all([expireDemos(db), expireDemos(otherWorkerDb)]);
    expect(a + b).toBe(1);
    expect(await expireDemos(db)).toBe(0);

    const trunks = await trunksOf(customer.id);
    expect(trunks.map((t) => [t.id, t.status, t.disabledByDemoExpiry])).toEqual([
      [trunk.id, "DISABLED", true],
      [second.value.id, "DISABLED", true],
      [third.value.id, "DISABLED", false],
    ]);
    expect(trunks[0]?.statusReason).toMatch(/^Demo ended on \d{4}-\d{2}-\d{2}$/);
    expect(trunks[2]?.statusReason).toBe("fraud check");
    // The registrar hears of it: each disabled trunk has one more sync request, and its job is queued.
    for (const t of trunks.slice(0, 2)) {
      expect(t.syncState).toBe("PENDING");
      expect(t.syncVersion).toBe((versions.get(t.id) ?? 0) + 1);
    }
    const jobs = await db.$queryRaw<{ key: string }[]>`SELECT key FROM graphile_worker.jobs WHERE key IS NOT NULL`;
    expect(jobs.map((job) => job.key)).toEqual(expect.arrayContaining([`sync-trunk:${trunk.id}`]));

    const mails = await mailsTo(customer.id, "demo.ended");
    expect(mails).toHaveLength(1);
    expect(mails[0]?.text).toContain(trunk.username);
    const audit = await db.auditLog.findMany({ where: { customerId: customer.id, action: "demo.expire" } });
    expect(audit).toMatchObject([
      { actorId: null, actorEmail: null, details: { disabledTrunks: [trunk.username, second.value.username] } },
    ]);

    expect((await trunksOf(untouched.customer.id)).map((t) => t.status)).toEqual(["ACTIVE"]);
  });
});

describe("extending a demo", () => {
  it("sets the new end, re-enables only the trunks the expiry disabled, resets the reminder and tells the customer", async () => {
    const { customer, trunk } = await demo(-1);
    const staffDisabled = await executeCommand(createTrunk, contextFor(db, sales), {
      customerId: customer.id,
      serverIds: serverId,
      callLimit: "5",
      dialPermission: "US_ONLY",
      callerIdPolicy: "FORCED",
    });
    if (!staffDisabled.ok) throw new Error("trunk creation failed");
    await executeCommand(setTrunkStatus, contextFor(db, support), {
      trunkId: staffDisabled.value.id,
      status: "DISABLED",
    });
    await db.customer.update({ where: { id: customer.id }, data: { demoNoticeAt: days(-3) } });
    await expireDemos(db);
    expect(await endedAt(customer.id)).not.toBeNull();

    // Enabling a trunk by hand would leave it refused by the registrar: staff are told what to do instead.
    expect(
      await executeCommand(setTrunkStatus, contextFor(db, support), { trunkId: trunk.id, status: "ACTIVE" }),
    ).toMatchObject({ ok: false, reason: "conflict", formError: expect.stringMatching(/extend it or convert it/) });

    const extended = await executeCommand(extendDemo, contextFor(db, support), {
      customerId: customer.id,
      demoExpiresAt: dateField(30),
    });
    expect(extended.ok).toBe(true);
    const after = await db.customer.findUniqueOrThrow({ where: { id: customer.id } });
    expect(after.demoExpiresAt?.toISOString()).toBe(`${dateField(30)}T23:59:59.000Z`);
    expect(after).toMatchObject({ isDemo: true, demoExpiredAt: null, demoNoticeAt: null });
    expect((await trunksOf(customer.id)).map((t) => [t.id, t.status, t.statusReason, t.disabledByDemoExpiry])).toEqual([
      [trunk.id, "ACTIVE", null, false],
      [staffDisabled.value.id, "DISABLED", null, false],
    ]);
    expect((await db.trunk.findUniqueOrThrow({ where: { id: trunk.id } })).syncState).toBe("PENDING");
    expect(await mailsTo(customer.id, "demo.extended")).toHaveLength(1);
    const [audit] = await db.auditLog.findMany({ where: { customerId: customer.id, action: "demo.extend" } });
    expect(audit).toMatchObject({ actorEmail: support.email, details: { reenabledTrunks: [trunk.username] } });

    // The expiry job leaves it alone now; the reminder goes out again before the new end.
    await expireDemos(db);
    expect(await endedAt(customer.id)).toBeNull();
    expect((await trunksOf(customer.id))[0]?.status).toBe("ACTIVE");
  });

  it("refuses a date in the past, before the current end, or that does not exist, and a customer that is no demo", async () => {
    const { customer } = await demo(10);
    const extend = (demoExpiresAt: string, customerId = customer.id) =>
      executeCommand(extendDemo, contextFor(db, sales), { customerId, demoExpiresAt });
    expect(await extend(dateField(-2))).toMatchObject({
      ok: false,
      reason: "invalid",
      fieldErrors: { demoExpiresAt: ["Choose a date in the future."] },
    });
    expect(await extend("2030-02-30")).toMatchObject({
      ok: false,
      fieldErrors: { demoExpiresAt: ["Choose a date that exists."] },
    });
    expect(await extend(dateField(400))).toMatchObject({
      ok: false,
      fieldErrors: { demoExpiresAt: [expect.stringMatching(/365 days/)] },
    });
    expect(await extend(dateField(5))).toMatchObject({
      ok: false,
      reason: "conflict",
      fieldErrors: { demoExpiresAt: [expect.stringMatching(/after the current end/)] },
    });
    const paying = await db.customer.create({
      data: { company: "Paying", contactName: "P", contactEmail: "p@expiry.example" },
    });
    expect(await extend(dateField(20), paying.id)).toMatchObject({ ok: false, reason: "conflict" });
    expect(await db.auditLog.count({ where: { action: "demo.extend", customerId: customer.id } })).toBe(0);
  });
});

describe("converting a demo to a paying account", () => {
  const policy = {
    callLimit: "30",
    dialPermission: "INTERNATIONAL",
    allowedCountries: "",
    callerIdPolicy: "FORCED",
    forcedCallerId: "+1 919 555 0199",
    forcedCallerIdName: "Acme Sales",
  };

  it("applies the chosen settings to every trunk in one step, ends the demo and re-enables expired trunks", async () => {
    const { customer, trunk } = await demo(-1);
    await expireDemos(db);
    expect(await endedAt(customer.id)).not.toBeNull();
    const converted = await executeCommand(convertDemo, contextFor(db, sales), { customerId: customer.id, ...policy });
    expect(converted.ok).toBe(true);

    expect(await db.customer.findUniqueOrThrow({ where: { id: customer.id } })).toMatchObject({
      isDemo: false,
      demoExpiresAt: null,
      demoExpiredAt: null,
      demoNoticeAt: null,
    });
    expect(await db.trunk.findUniqueOrThrow({ where: { id: trunk.id } })).toMatchObject({
      status: "ACTIVE",
      disabledByDemoExpiry: false,
      callLimit: 30,
      dialPermission: "INTERNATIONAL",
      callerIdPolicy: "FORCED",
      forcedCallerId: "+19195550199",
      forcedCallerIdName: "Acme Sales",
      syncState: "PENDING",
    });
    const [audit] = await db.auditLog.findMany({ where: { customerId: customer.id, action: "demo.convert" } });
    expect(audit).toMatchObject({ actorEmail: sales.email, details: { callLimit: 30, trunks: [trunk.username] } });
    expect(await mailsTo(customer.id, "demo.converted")).toHaveLength(1);
    // No longer a demo: the expiry job has nothing to do with it.
    await expireDemos(db);
    expect(await endedAt(customer.id)).toBeNull();
    expect((await db.trunk.findUniqueOrThrow({ where: { id: trunk.id } })).status).toBe("ACTIVE");
    expect(demoStatus(await db.customer.findUniqueOrThrow({ where: { id: customer.id } }))).toBeNull();
  });

  it("refuses caller ID from own DIDs for a trunk without DIDs, and changes nothing", async () => {
    const { customer, trunk } = await demo(3);
    const result = await executeCommand(convertDemo, contextFor(db, sales), {
      customerId: customer.id,
      ...policy,
      callerIdPolicy: "OWN_DIDS",
    });
    expect(result).toMatchObject({
      ok: false,
      reason: "conflict",
      fieldErrors: { callerIdPolicy: [expect.stringContaining(trunk.username)] },
    });
    expect((await db.customer.findUniqueOrThrow({ where: { id: customer.id } })).isDemo).toBe(true);
    expect((await db.trunk.findUniqueOrThrow({ where: { id: trunk.id } })).callLimit).toBe(5);
    expect(
      await executeCommand(convertDemo, contextFor(db, sales), {
        customerId: customer.id,
        ...policy,
        dialPermission: "COUNTRIES",
      }),
    ).toMatchObject({ ok: false, reason: "invalid", fieldErrors: { allowedCountries: [expect.any(String)] } });
  });
});

describe("staff and customers see where a demo stands", () => {
  it("filters the customers list to demos ending soon or ended, soonest first", async () => {
    const soon = await demo(1, "Filter Soon");
    const later = await demo(6, "Filter Later");
    const far = await demo(20, "Filter Far");
    const over = await demo(-2, "Filter Over");
    const ids = async (filter: "ending" | "ended") =>
      (await listCustomers(db, { q: "Filter", demo: filter })).customers.map((customer) => customer.id);
    expect(await ids("ending")).toEqual([soon.customer.id, later.customer.id]);
    expect(await ids("ended")).toEqual([over.customer.id]);
    expect((await listCustomers(db, { q: "Filter" })).count).toEqual({ value: 4, precision: "exact" });
    expect(far.customer.isDemo).toBe(true);
  });

  it("counts the days left, rounding a started day up", () => {
    const now = new Date("2030-01-01T12:00:00Z");
    expect(demoStatus({ isDemo: true, demoExpiresAt: new Date("2030-01-04T00:00:00Z") }, now)).toMatchObject({
      ended: false,
      daysLeft: 3,
    });
    expect(demoStatus({ isDemo: true, demoExpiresAt: new Date("2030-01-01T13:00:00Z") }, now)?.daysLeft).toBe(1);
    expect(demoStatus({ isDemo: true, demoExpiresAt: new Date("2030-01-01T11:00:00Z") }, now)).toMatchObject({
      ended: true,
      daysLeft: 0,
    });
    expect(demoStatus({ isDemo: false, demoExpiresAt: null }, now)).toBeNull();
  });
});

describe("suspending a customer", () => {
  it("keeps the demo from being reminded", async () => {
    const { customer } = await demo(1);
    const result = await executeCommand(updateCustomer, contextFor(db, sales), {
      customerId: customer.id,
      company: customer.company,
      contactName: customer.contactName,
      contactEmail: customer.contactEmail,
      status: "SUSPENDED",
    });
    expect(result.ok).toBe(true);
    await queueDemoReminders(db);
    expect(await mailsTo(customer.id, "demo.expiring")).toEqual([]);
  });
});
