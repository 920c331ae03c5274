import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

beforeAll(async () => {
  ({ db } = await createPortalDatabase("permissions"));
  for (const role of ["ADMIN", "SALES", "SUPPORT", "CUSTOMER"] as Role[]) actors.set(role, await createActor(db, role));
});
afterAll(() => db?.$disconnect());

describe("every server action's command checks the policy before anything else", () => {
  it("lists every command", () => {
    expect(commands.map((command) => command.name).sort()).toEqual(Object.keys(ALLOWED).sort());
  });

  for (const command of commands) {
    for (const role of [null, "ADMIN", "SALES", "SUPPORT", "CUSTOMER"] as (Role | null)[]) {
      const allowed = role !== null && (ALLOWED[command.name] ?? []).includes(role);
      it(`${command.name} as ${role ?? "signed-out"} is ${allowed ? "allowed" : "refused"}`, async () => {
        const auditBefore = await db.auditLog.count();
        // Empty input: an allowed caller gets past the policy (to validation, or to the work itself when the command
        // takes no input); a refused one is stopped before anything else and changes nothing.
        const result = await executeCommand(command, contextFor(db, role ? (actors.get(role) ?? null) : null), {});
        if (allowed) {
          expect(result.ok || result.reason === "invalid").toBe(true);
          return;
        }
        expect(result).toMatchObject({ ok: false, reason: role === null ? "unauthenticated" : "forbidden" });
        expect(await db.auditLog.count()).toBe(auditBefore);
      });
    }
  }
});
