/**
 * Bad input gets a clear error, never a 500: every text field of every command, with a NUL or another control
 * character in it, comes back as a field error (PostgreSQL refuses NUL outright; the rest would reach SIP and mail
 * headers), and searches with such text find nothing instead of failing.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditFilterFromParams, listAudit } from "../../lib/audit/query";
import { type Actor, can } from "../../lib/auth/policy";
import { type Command, executeCommand } from "../../lib/commands";
import * as customers from "../../lib/customers";
import type { Db } from "../../lib/db";
import { NotFoundError } from "../../lib/errors";
import * as mail from "../../lib/mail/mailbox";
import * as portal from "../../lib/portal";
import * as settings from "../../lib/settings";
import * as trunks from "../../lib/trunks";
import { ALL_COMMANDS, commandFixtures } from "../support/commands";
import { contextFor, createActor, createPortalDatabase } from "../support/portal";

let db: Db;
let admin: Actor;
let customerActor: Actor;
let fixtures: ReturnType<typeof commandFixtures>;
let ids: { customerId: string; trunkId: string; serverId: string; mailId: string };

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

beforeAll(async () => {
  ({ db } = await createPortalDatabase("hostile"));
  admin = await createActor(db, "ADMIN");
  const server = await db.sipServer.create({
    data: { hostname: "Sip1.Hostile.example", realm: "sip1.hostile.example", label: "Primary" },
  });
  fixtures = commandFixtures(db, admin, server.id);
  const customer = await executeCommand(customers.createCustomer, contextFor(db, admin), {
    company: "Target Co",
    contactName: "Sam",
    contactEmail: "sam@target.example",
  });
  if (!customer.ok) throw new Error(customer.formError);
  customerActor = await createActor(db, "CUSTOMER", customer.value.id);
  ids = { customerId: customer.value.id, trunkId: "", serverId: server.id, mailId: "" };
  const trunk = await executeCommand(trunks.createTrunk, contextFor(db, admin), {
    customerId: ids.customerId,
    ...trunkForm(),
  });
  if (!trunk.ok) throw new Error(JSON.stringify(trunk));
  ids.trunkId = trunk.value.id;
  ids.mailId = (await db.mail.findFirstOrThrow({ where: { trunkId: ids.trunkId } })).id;
});
afterAll(() => db?.$disconnect());

/** Someone allowed to run the command: a fresh admin for staff commands (2FA fixtures change their user), else a customer. */
async function allowedActor(command: Command<never, unknown>): Promise<Actor> {
  const staff = await createActor(db, "ADMIN");
  return can(staff, command.permission) ? staff : customerActor;
}

/** Each top-level string field of an input, and for list fields each entry. */
function textFields(input: Record<string, unknown>) {
  return Object.entries(input).filter(([, value]) => typeof value === "string" || Array.isArray(value));
}

describe("control characters in any field of any command", () => {
  for (const command of ALL_COMMANDS as Command<never, unknown>[]) {
    for (const character of ["\u0000", "\u0007"]) {
      const label = character === "\u0000" ? "NUL" : "BEL";
      it(`${command.name}: a ${label} in any field is a field error, and nothing changes`, async () => {
        const actor = await allowedActor(command);
        const input = await fixtures.validInput(command.name, actor);
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
      ...(await fixtures.validInput("settings.update", admin)),
      forcedCallerIdName: "Celito\tSupport",
    });
    expect(provider).toMatchObject({ ok: false, fieldErrors: { forcedCallerIdName: [expect.any(String)] } });
  });
});

describe("very long text in any field of any command", () => {
  // Random, so PostgreSQL cannot compress it below its index limits (a B-tree entry holds at most 2,704 bytes).
  const longText = () => randomBytes(3000).toString("hex");
  for (const command of ALL_COMMANDS as Command<never, unknown>[]) {
    it(`${command.name}: 6,000 characters in any field are refused with an answer, never an exception`, async () => {
      const actor = await allowedActor(command);
      const input = await fixtures.validInput(command.name, actor);
      for (const [field, value] of textFields(input)) {
        // An email address keeps its shape, so the length is what is tested (the local part may have 64 octets).
        const long = typeof value === "string" && value.includes("@") ? `${longText()}${value}` : longText();
        const hostile = Array.isArray(value) ? [...value, long] : long;
        // A wrong current password is audited as a failed attempt; nothing else may be written.
        const changes = () => db.auditLog.count({ where: { NOT: { action: { endsWith: "-failed" } } } });
        const auditBefore = await changes();
        const result = await executeCommand(
          command,
          { ...contextFor(db, actor), authenticatedAt: new Date() },
          { ...input, [field]: hostile },
        );
        expect(result, `${command.name}.${field}`).toMatchObject({ ok: false });
        expect(await changes(), `${command.name}.${field} changed something`).toBe(auditBefore);
      }
    });
  }
});

describe("searches and lookups with such text find nothing", () => {
  it("the customers search", async () => {
    expect(await customers.listCustomers(db, { q: "Target\u0000" })).toMatchObject({
      count: { value: 0 },
      customers: [],
    });
    expect(await customers.listCustomers(db, { q: "Target" })).toMatchObject({ count: { value: 1 } });
  });

  it("the audit log filters", async () => {
    for (const filter of [{ action: "trunk\u0000" }, { actor: "a\u0000" }, { customerId: "\u0000" }]) {
      expect(await listAudit(db, filter)).toMatchObject({ entries: [] });
    }
  });

  it("the audit log page's address: dates and ids the database cannot take are no filter", async () => {
    const all = await listAudit(db, {});
    for (const params of [
      { from: "275760-09-13" },
      { to: "0000-01-01" },
      { from: "-001000-01-01" },
      { to: "+275760-09-13T00:00:00.000Z" },
      { before: "99999999999999999999999" },
    ]) {
      expect(await listAudit(db, auditFilterFromParams(params)), JSON.stringify(params)).toEqual(all);
    }
    const day = new Date().toISOString().slice(0, 10);
    expect(auditFilterFromParams({ from: day, before: "42" })).toMatchObject({ from: new Date(day), before: 42n });
  });

  it("records looked up by an id from a URL", async () => {
    await expect(trunks.getTrunk(db, `${ids.trunkId}\u0000`)).rejects.toThrow(NotFoundError);
    await expect(customers.getCustomer(db, "\u0000")).rejects.toThrow(NotFoundError);
    await expect(mail.getMail(db, "x\u0000")).rejects.toThrow(NotFoundError);
    await expect(portal.getOwnTrunk(db, customerActor, "\u0000")).rejects.toThrow(NotFoundError);
  });
});
