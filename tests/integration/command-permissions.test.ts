import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import type { Actor } from "../../lib/auth/policy";
import { type Command, executeCommand } from "../../lib/commands";
import * as customers from "../../lib/customers";
import type { Db } from "../../lib/db";
import type { Role } from "../../lib/generated/prisma/enums";
import * as mail from "../../lib/mail/queries";
import * as portal from "../../lib/portal";
import * as registrar from "../../lib/registrar/commands";
import * as servers from "../../lib/servers";
import * as settings from "../../lib/settings";
import * as staff from "../../lib/staff";
import * as trunks from "../../lib/trunks";
import * as credentialChecks from "../../lib/trunks/credential-check";
import * as fraudGuard from "../../lib/trunks/fraud-guard";
import { contextFor, createActor, createPortalDatabase } from "../support/portal";

/** Every command exported by the domain modules: adding one without listing it below fails this test. */
const commands = [customers, mail, portal, registrar, servers, settings, staff, trunks, credentialChecks, fraudGuard]
  .flatMap((module) => Object.values(module))
  .filter(
    (value): value is Command<never, unknown> =>
      typeof value === "object" && value !== null && "permission" in value && "run" in value,
  );

/** Who may run each command, from the product brief. */
const ALLOWED: Record<string, Role[]> = {
  "customer.create": ["ADMIN", "SALES"],
  "customer.update": ["ADMIN", "SALES"],
  "customer.add-user": ["ADMIN", "SALES"],
  "demo.create": ["ADMIN", "SALES"],
  "server.create": ["ADMIN"],
  "server.update": ["ADMIN"],
  "settings.update": ["ADMIN"],
  "staff.create": ["ADMIN"],
  "staff.update": ["ADMIN"],
  "trunk.create": ["ADMIN", "SALES"],
  "trunk.update": ["ADMIN", "SALES"],
  "trunk.set-status": ["ADMIN", "SUPPORT"],
  "trunk.reset-password": ["ADMIN", "SUPPORT"],
  "trunk.reveal-password": ["ADMIN", "SALES", "SUPPORT"],
  "trunk.resync": ["ADMIN", "SUPPORT"],
  "trunk.check-credentials": ["ADMIN", "SUPPORT"],
  "trunk.set-fraud-limits": ["ADMIN", "SALES"],
  "trunk.lift-suspension": ["ADMIN", "SUPPORT"],
  "trunk.delete": ["ADMIN"],
  "registrar.reconcile": ["ADMIN", "SUPPORT"],
  "trunk.resend-credentials": ["ADMIN", "SALES", "SUPPORT"],
  "mail.read-secrets": ["ADMIN", "SUPPORT"],
  "portal.reveal-password": ["CUSTOMER"],
};

let db: Db;
const actors = new Map<Role, Actor>();
let admin: Actor;
let serverId: string;

beforeAll(async () => {
  ({ db } = await createPortalDatabase("permissions"));
  for (const role of ["ADMIN", "SALES", "SUPPORT", "CUSTOMER"] as Role[]) actors.set(role, await createActor(db, role));
  admin = await createActor(db, "ADMIN");
  serverId = (
    await db.sipServer.create({ data: { hostname: "Sip1.Perm.example", realm: "sip1.perm.example", label: "x" } })
  ).id;
});
afterAll(() => db?.$disconnect());

let unique = 0;
const next = () => `${++unique}-${Date.now().toString(36)}`;
const trunkSettings = { callLimit: "5", dialPermission: "US_ONLY", callerIdPolicy: "FORCED" };

/** Runs a command as the fixture admin, for setting up what a command under test needs. */
async function setUp<Schema extends z.ZodType, Result>(
  command: Command<Schema, Result>,
  input: unknown,
): Promise<Result> {
  const result = await executeCommand(command, contextFor(db, admin), input);
  if (!result.ok) throw new Error(`set-up ${command.name} failed: ${JSON.stringify(result)}`);
  return result.value;
}
const newCustomer = () =>
  setUp(customers.createCustomer, {
    company: `Perm ${next()}`,
    contactName: "Pat",
    contactEmail: `pat-${next()}@perm.example`,
  });
async function newTrunk(customerId?: string) {
  return setUp(trunks.createTrunk, {
    customerId: customerId ?? (await newCustomer()).id,
    serverIds: serverId,
    ...trunkSettings,
  });
}

/** Valid input for each command, on fresh records, so an allowed caller reaches the command's own logic. */
const VALID_INPUT: Record<string, (actor: Actor | null) => Promise<Record<string, unknown>>> = {
  "customer.create": async () => ({
    company: `New ${next()}`,
    contactName: "Pat",
    contactEmail: `n-${next()}@perm.example`,
  }),
  "customer.update": async () => {
    const customer = await newCustomer();
    return {
      customerId: customer.id,
      company: "Renamed",
      contactName: "Pat",
      contactEmail: `u-${next()}@perm.example`,
      status: "ACTIVE",
    };
  },
  "customer.add-user": async () => ({
    customerId: (await newCustomer()).id,
    name: "Second",
    email: `s-${next()}@perm.example`,
  }),
  "demo.create": async () => ({
    company: `Demo ${next()}`,
    contactName: "Pat",
    contactEmail: `d-${next()}@perm.example`,
  }),
  "server.create": async () => ({ hostname: `Sip-${next()}.perm.example`, label: "New" }),
  "server.update": async () => ({ serverId, label: `Label ${next()}`, active: "on" }),
  "settings.update": async () => ({
    providerName: "Perm Voice",
    supportEmail: "support@perm.example",
    supportPhone: "+1 202 555 0100",
    forcedCallerId: "+12025550100",
    demoCallLimit: "5",
    demoDialPermission: "US_ONLY",
    demoDurationDays: "14",
    passwordDelivery: "LINK",
  }),
  "staff.create": async () => ({
    name: "New Staff",
    email: `st-${next()}@perm.example`,
    role: "SALES",
    password: "a long enough password",
  }),
  "staff.update": async () => ({ userId: (await createActor(db, "SALES")).id, role: "SUPPORT", active: "on" }),
  "trunk.create": async () => ({ customerId: (await newCustomer()).id, serverIds: serverId, ...trunkSettings }),
  "trunk.update": async () => ({
    trunkId: (await newTrunk()).id,
    serverIds: serverId,
    ...trunkSettings,
    callLimit: "7",
  }),
  "trunk.set-status": async () => ({ trunkId: (await newTrunk()).id, status: "DISABLED", reason: "Unpaid invoice" }),
  "trunk.reset-password": async () => ({ trunkId: (await newTrunk()).id }),
  "trunk.reveal-password": async () => ({ trunkId: (await newTrunk()).id }),
  "trunk.resync": async () => ({ trunkId: (await newTrunk()).id }),
  "trunk.check-credentials": async () => ({ trunkId: (await newTrunk()).id }),
  "trunk.set-fraud-limits": async () => ({ trunkId: (await newTrunk()).id, maxCallsPerDay: "100" }),
  "trunk.lift-suspension": async () => {
    const trunk = await newTrunk();
    await db.trunk.update({
      where: { id: trunk.id },
      data: { outboundSuspendedAt: new Date(), outboundSuspendedReason: "daily call limit reached" },
    });
    return { trunkId: trunk.id };
  },
  "trunk.delete": async () => ({ trunkId: (await newTrunk()).id, reason: "Closed" }),
  "trunk.resend-credentials": async () => ({ trunkId: (await newTrunk()).id }),
  "registrar.reconcile": async () => ({}),
  "mail.read-secrets": async () => {
    const trunk = await newTrunk();
    const mail = await db.mail.findFirstOrThrow({ where: { trunkId: trunk.id, secretsSealed: { not: null } } });
    return { mailId: mail.id };
  },
  // The customer's own trunk (another customer's would be a 404, tested in customer-portal.test.ts).
  "portal.reveal-password": async () => ({
    trunkId: (await newTrunk(actors.get("CUSTOMER")?.customerId ?? undefined)).id,
  }),
};

describe("every server action's command checks the policy before anything else", () => {
  it("lists every command", () => {
    expect(commands.map((command) => command.name).sort()).toEqual(Object.keys(ALLOWED).sort());
    expect(Object.keys(VALID_INPUT).sort()).toEqual(Object.keys(ALLOWED).sort());
  });

  for (const command of commands) {
    for (const role of [null, "ADMIN", "SALES", "SUPPORT", "CUSTOMER"] as (Role | null)[]) {
      const allowed = role !== null && (ALLOWED[command.name] ?? []).includes(role);
      it(`${command.name} as ${role ?? "signed-out"} is ${allowed ? "allowed and does its work" : "refused"}`, async () => {
        const actor = role ? (actors.get(role) ?? null) : null;
        const input = await (VALID_INPUT[command.name] ?? (async () => ({})))(actor);
        const auditBefore = await db.auditLog.count();
        // A customer's reveal needs a recent sign-in; everyone here has just signed in.
        const result = await executeCommand(command, { ...contextFor(db, actor), authenticatedAt: new Date() }, input);
        if (allowed) {
          // Valid input takes an allowed caller through the command's own logic, which records what it did.
          expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
          expect(await db.auditLog.count()).toBeGreaterThan(auditBefore);
          return;
        }
        // A refused caller is stopped before anything else, even with valid input, and changes nothing.
        expect(result).toMatchObject({ ok: false, reason: role === null ? "unauthenticated" : "forbidden" });
        expect(await db.auditLog.count()).toBe(auditBefore);
      });
    }
  }

  it("an allowed caller with malformed input gets field errors and changes nothing", async () => {
    // registrar.reconcile takes no input, so nothing can be malformed.
    for (const command of commands.filter((command) => command.name !== "registrar.reconcile")) {
      const actor = actors.get(ALLOWED[command.name]?.[0] as Role) ?? null;
      const auditBefore = await db.auditLog.count();
      const result = await executeCommand(
        command,
        { ...contextFor(db, actor), authenticatedAt: new Date() },
        {
          trunkId: 42,
          customerId: ["x"],
          mailId: { x: 1 },
        },
      );
      expect(result, command.name).toMatchObject({ ok: false, reason: "invalid" });
      expect(await db.auditLog.count(), command.name).toBe(auditBefore);
    }
  });
});
