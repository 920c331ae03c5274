import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import type { Actor } from "../../lib/auth/policy";
import { executeCommand } from "../../lib/commands";
import type { Db } from "../../lib/db";
import type { Role } from "../../lib/generated/prisma/enums";
import { ALL_COMMANDS, commandFixtures } from "../support/commands";
import { contextFor, createActor, createPortalDatabase } from "../support/portal";

/** Who may run each command, from the product brief: a new command must be added here. */
const ALLOWED: Record<string, Role[]> = {
  "customer.create": ["ADMIN", "SALES"],
  "customer.update": ["ADMIN", "SALES"],
  "customer.set-status": ["ADMIN", "SALES"],
  "api-key.create": ["ADMIN", "SALES", "SUPPORT"],
  "api-key.revoke": ["ADMIN", "SALES", "SUPPORT"],
  "webhook.create": ["ADMIN"],
  "webhook.update": ["ADMIN"],
  "webhook.redeliver": ["ADMIN"],
  "customer.add-user": ["ADMIN", "SALES"],
  "import.upload": ["ADMIN", "SALES"],
  "import.start": ["ADMIN", "SALES"],
  "import.cancel": ["ADMIN", "SALES"],
  "demo.create": ["ADMIN", "SALES"],
  "demo.extend": ["ADMIN", "SALES", "SUPPORT"],
  "demo.convert": ["ADMIN", "SALES"],
  "server.create": ["ADMIN"],
  "server.update": ["ADMIN"],
  "settings.update": ["ADMIN"],
  "staff.create": ["ADMIN"],
  "staff.update": ["ADMIN"],
  "trunk.create": ["ADMIN", "SALES"],
  "trunk.create-batch": ["ADMIN", "SALES"],
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
  "portal.reset-password": ["CUSTOMER"],
  "portal.invite-user": ["CUSTOMER"],
  "settings.two-factor": ["ADMIN"],
  "staff.force-password-reset": ["ADMIN"],
  "staff.reset-two-factor": ["ADMIN"],
  "account.change-password": ["ADMIN", "SALES", "SUPPORT"],
  "account.sign-out-everywhere": ["ADMIN", "SALES", "SUPPORT"],
  "account.two-factor-begin": ["ADMIN", "SALES", "SUPPORT"],
  "account.two-factor-enable": ["ADMIN", "SALES", "SUPPORT"],
  "account.two-factor-disable": ["ADMIN", "SALES", "SUPPORT"],
  "account.recovery-codes-regenerate": ["ADMIN", "SALES", "SUPPORT"],
};

let db: Db;
const actors = new Map<Role, Actor>();
let fixtures: ReturnType<typeof commandFixtures>;

beforeAll(async () => {
  ({ db } = await createPortalDatabase("permissions"));
  for (const role of ["ADMIN", "SALES", "SUPPORT", "CUSTOMER"] as Role[]) actors.set(role, await createActor(db, role));
  const server = await db.sipServer.create({
    data: { hostname: "Sip1.Perm.example", realm: "sip1.perm.example", label: "x" },
  });
  fixtures = commandFixtures(db, await createActor(db, "ADMIN"), server.id);
});
afterAll(() => db?.$disconnect());

describe("every server action's command checks the policy before anything else", () => {
  it("lists every command", () => {
    expect(ALL_COMMANDS.map((command) => command.name).sort()).toEqual(Object.keys(ALLOWED).sort());
  });

  for (const command of ALL_COMMANDS) {
    for (const role of [null, "ADMIN", "SALES", "SUPPORT", "CUSTOMER"] as (Role | null)[]) {
      const allowed = role !== null && (ALLOWED[command.name] ?? []).includes(role);
      it(`${command.name} as ${role ?? "signed-out"} is ${allowed ? "allowed and does its work" : "refused"}`, async () => {
        const actor = role ? (actors.get(role) ?? null) : null;
        const input = await fixtures.validInput(command.name, actor);
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
    // Commands that take no input (registrar.reconcile, account.sign-out-everywhere…) cannot get malformed input.
    for (const command of ALL_COMMANDS.filter((command) => !(command.input as z.ZodType).safeParse({}).success)) {
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
