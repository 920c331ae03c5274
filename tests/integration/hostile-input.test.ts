/**
 * Bad input gets a clear error, never a 500: every text field of every command, with a NUL or another control
 * character in it, comes back as a field error (PostgreSQL refuses NUL outright; the rest would reach SIP and mail
 * headers), and searches with such text find nothing instead of failing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listAudit } from "../../lib/audit/query";
import type { Actor } from "../../lib/auth/policy";
import { type Command, executeCommand } from "../../lib/commands";
import * as customers from "../../lib/customers";
import type { Db } from "../../lib/db";
import { NotFoundError } from "../../lib/errors";
import * as mail from "../../lib/mail/queries";
import * as portal from "../../lib/portal";
import * as registrar from "../../lib/registrar/commands";
import * as servers from "../../lib/servers";
import * as settings from "../../lib/settings";
import * as staff from "../../lib/staff";
import * as trunks from "../../lib/trunks";
import { contextFor, createActor, createPortalDatabase } from "../support/portal";

/** Every command exported by the domain modules (as in command-permissions.test.ts). */
const commands = [customers, mail, portal, registrar, servers, settings, staff, trunks]
  .flatMap((module) => Object.values(module))
  .filter(
    (value): value is Command<never, unknown> =>
      typeof value === "object" && value !== null && "permission" in value && "run" in value,
  );

let db: Db;
let admin: Actor;
let customerActor: Actor;
let ids: { customerId: string; trunkId: string; serverId: string; userId: string; mailId: string };

const trunkForm = () => ({
  serverIds: ids.serverId,
  callLimit: "5",
  dialPermission: "COUNTRIES",
  allowedCountries: "US, CA",
  callerIdPolicy: "FORCED",
  forcedCallerId: "+19195550100",
  forcedCallerIdName: "Front Desk",
  dids: "+19193330100",
});

/** A valid input for each command, with the actor allowed to run it. */
const validInput: Record<string, () => { actor: Actor; input: Record<string, unknown> }> = {
  "customer.create": () => ({
    actor: admin,
    input: { company: "Hostile Co", contactName: "Pat", contactEmail: "pat@hostile.example" },
  }),
  "customer.update": () => ({
    actor: admin,
    input: {
      customerId: ids.customerId,
      company: "Target Co",
      contactName: "Sam",
      contactEmail: "sam@target.example",
      status: "ACTIVE",
    },
  }),
  "customer.add-user": () => ({
    actor: admin,
    input: { customerId: ids.customerId, name: "Lee", email: "lee@target.example" },
  }),
  "demo.create": () => ({
    actor: admin,
    input: { company: "Demo Co", contactName: "Ash", contactEmail: "ash@demo.example" },
  }),
  "server.create": () => ({
    actor: admin,
    input: { hostname: "Sip9.Hostile.example", realm: "sip9.hostile.example", label: "Spare", active: "on" },
  }),
  "server.update": () => ({ actor: admin, input: { serverId: ids.serverId, label: "Primary", active: "on" } }),
  "settings.update": () => ({
    actor: admin,
    input: {
      providerName: "Celito",
      supportEmail: "support@celito.example",
      supportPhone: "+1 919 555 0100",
      forcedCallerId: "+12025550100",
      forcedCallerIdName: "Celito",
      demoCallLimit: "5",
      demoDialPermission: "COUNTRIES",
      demoAllowedCountries: "US",
      demoDurationDays: "14",
      demoReminderDays: "3",
      passwordDelivery: "LINK",
    },
  }),
  "staff.create": () => ({
    actor: admin,
    input: { name: "Robin", email: "robin@staff.example", role: "SUPPORT", password: "a long enough password" },
  }),
  "staff.update": () => ({
    actor: admin,
    input: { userId: ids.userId, role: "SUPPORT", active: "on", password: "another long password" },
  }),
  "trunk.create": () => ({ actor: admin, input: { customerId: ids.customerId, ...trunkForm() } }),
  "trunk.update": () => ({ actor: admin, input: { trunkId: ids.trunkId, ...trunkForm() } }),
  "trunk.set-status": () => ({
    actor: admin,
    input: { trunkId: ids.trunkId, status: "DISABLED", reason: "unpaid invoice" },
  }),
  "trunk.reset-password": () => ({ actor: admin, input: { trunkId: ids.trunkId } }),
  "trunk.reveal-password": () => ({ actor: admin, input: { trunkId: ids.trunkId } }),
  "trunk.resync": () => ({ actor: admin, input: { trunkId: ids.trunkId } }),
  "trunk.delete": () => ({ actor: admin, input: { trunkId: ids.trunkId, reason: "customer left" } }),
  "registrar.reconcile": () => ({ actor: admin, input: {} }),
  "trunk.resend-credentials": () => ({ actor: admin, input: { trunkId: ids.trunkId } }),
  "mail.read-secrets": () => ({ actor: admin, input: { mailId: ids.mailId } }),
  "portal.reveal-password": () => ({ actor: customerActor, input: { trunkId: ids.trunkId } }),
};

beforeAll(async () => {
  ({ db } = await createPortalDatabase("hostile"));
  admin = await createActor(db, "ADMIN");
  const server = await db.sipServer.create({
    data: { hostname: "Sip1.Hostile.example", realm: "sip1.hostile.example", label: "Primary" },
  });
  const customer = await executeCommand(customers.createCustomer, contextFor(db, admin), {
    company: "Target Co",
    contactName: "Sam",
    contactEmail: "sam@target.example",
  });
  if (!customer.ok) throw new Error(customer.formError);
  customerActor = await createActor(db, "CUSTOMER", customer.value.id);
  ids = { customerId: customer.value.id, trunkId: "", serverId: server.id, userId: "", mailId: "" };
  const trunk = await executeCommand(trunks.createTrunk, contextFor(db, admin), {
    customerId: ids.customerId,
    ...trunkForm(),
  });
  if (!trunk.ok) throw new Error(JSON.stringify(trunk));
  ids.trunkId = trunk.value.id;
  ids.userId = (await createActor(db, "SALES")).id;
  ids.mailId = (await db.mail.findFirstOrThrow({ where: { trunkId: ids.trunkId } })).id;
});
afterAll(() => db?.$disconnect());

/** Each top-level string field of an input, and for list fields each entry. */
function textFields(input: Record<string, unknown>) {
  return Object.entries(input).filter(([, value]) => typeof value === "string" || Array.isArray(value));
}

describe("control characters in any field of any command", () => {
  it("every command has a valid input here", () => {
    expect(commands.map((command) => command.name).sort()).toEqual(Object.keys(validInput).sort());
  });

  for (const command of commands) {
    for (const character of ["\u0000", "\u0007"]) {
      const label = character === "\u0000" ? "NUL" : "BEL";
      it(`${command.name}: a ${label} in any field is a field error, and nothing changes`, async () => {
        const { actor, input } = (validInput[command.name] as () => { actor: Actor; input: Record<string, unknown> })();
        const fields = textFields(input);
        if (fields.length === 0) return; // no input at all (registrar.reconcile)
        for (const [field, value] of fields) {
          const hostile = Array.isArray(value) ? [...value, `x${character}`] : `${value}${character}tail`;
          const auditBefore = await db.auditLog.count();
          const result = await executeCommand(
            command,
            { ...contextFor(db, actor), authenticatedAt: new Date() },
            {
              ...input,
              [field]: hostile,
            },
          );
          expect(result, `${command.name}.${field}`).toMatchObject({ ok: false, reason: "invalid" });
          expect(result.ok === false && result.fieldErrors?.[field], `${command.name}.${field}`).toBeTruthy();
          expect(await db.auditLog.count(), `${command.name}.${field} changed something`).toBe(auditBefore);
        }
      });
    }
  }

  it("a caller-ID name with a tab or a line break is refused at the form, with a message on the field", async () => {
    for (const name of ["Front\tDesk", "Front\r\nX-Injected: 1"]) {
      const result = await executeCommand(trunks.updateTrunk, contextFor(db, admin), {
        trunkId: ids.trunkId,
        ...trunkForm(),
        forcedCallerIdName: name,
      });
      expect(result).toMatchObject({
        ok: false,
        reason: "invalid",
        fieldErrors: { forcedCallerIdName: [expect.stringMatching(/control characters/)] },
      });
    }
    const provider = await executeCommand(settings.updateProviderSettings, contextFor(db, admin), {
      ...validInput["settings.update"]?.().input,
      forcedCallerIdName: "Celito\tSupport",
    });
    expect(provider).toMatchObject({ ok: false, fieldErrors: { forcedCallerIdName: [expect.any(String)] } });
  });
});

describe("searches and lookups with such text find nothing", () => {
  it("the customers search", async () => {
    expect(await customers.searchCustomers(db, "Target\u0000", 1)).toMatchObject({ total: 0, customers: [] });
    expect(await customers.searchCustomers(db, "Target", 1)).toMatchObject({ total: 1 });
  });

  it("the audit log filters", async () => {
    for (const filter of [{ action: "trunk\u0000" }, { actor: "a\u0000" }, { customerId: "\u0000" }]) {
      expect(await listAudit(db, filter)).toMatchObject({ entries: [] });
    }
  });

  it("records looked up by an id from a URL", async () => {
    await expect(trunks.getTrunk(db, `${ids.trunkId}\u0000`)).rejects.toThrow(NotFoundError);
    await expect(customers.getCustomer(db, "\u0000")).rejects.toThrow(NotFoundError);
    await expect(mail.getMail(db, "x\u0000")).rejects.toThrow(NotFoundError);
    await expect(portal.getOwnTrunk(db, customerActor, "\u0000")).rejects.toThrow(NotFoundError);
  });
});
