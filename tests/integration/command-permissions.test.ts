import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../lib/auth/policy";
import { type Command, executeCommand } from "../../lib/commands";
import * as customers from "../../lib/customers";
import * as demos from "../../lib/customers/demo";
import type { Db } from "../../lib/db";
import type { Role } from "../../lib/generated/prisma/enums";
import * as mail from "../../lib/mail/queries";
import * as portal from "../../lib/portal";
import * as registrar from "../../lib/registrar/commands";
import * as servers from "../../lib/servers";
import * as settings from "../../lib/settings";
import * as staff from "../../lib/staff";
import * as trunks from "../../lib/trunks";
import { contextFor, createActor, createPortalDatabase } from "../support/portal";

/** Every command exported by the domain modules: adding one without listing it below fails this test. */
const commands = [customers, demos, mail, portal, registrar, servers, settings, staff, trunks]
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
  "demo.extend": ["ADMIN", "SALES", "SUPPORT"],
  "demo.convert": ["ADMIN", "SALES"],
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
  "trunk.delete": ["ADMIN"],
  "registrar.reconcile": ["ADMIN", "SUPPORT"],
  "trunk.resend-credentials": ["ADMIN", "SALES", "SUPPORT"],
  "mail.read-secrets": ["ADMIN", "SUPPORT"],
  "portal.reveal-password": ["CUSTOMER"],
};

let db: Db;
const actors = new Map<Role, Actor>();

/** A fresh demo account for each run of a demo command, made through sales' own command. */
async function freshDemo() {
  const result = await executeCommand(customers.createDemoAccount, contextFor(db, actors.get("SALES") ?? null), {
    company: "Matrix Demo",
    contactName: "M",
    contactEmail: `matrix-${randomUUID()}@permissions.example`,
  });
  if (!result.ok) throw new Error(result.formError);
  return result.value.customer.id;
}

/** Real, valid input per command, so an allowed role gets through to the command's own work (and succeeds). */
const VALID_INPUT: Record<string, () => Promise<Record<string, unknown>>> = {
  "demo.extend": async () => ({
    customerId: await freshDemo(),
    demoExpiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
  }),
  "demo.convert": async () => ({
    customerId: await freshDemo(),
    callLimit: "20",
    dialPermission: "US_CANADA",
    callerIdPolicy: "FORCED",
  }),
};

beforeAll(async () => {
  ({ db } = await createPortalDatabase("permissions"));
  for (const role of ["ADMIN", "SALES", "SUPPORT", "CUSTOMER"] as Role[]) actors.set(role, await createActor(db, role));
  await db.sipServer.create({ data: { hostname: "sip.matrix.example", realm: "sip.matrix.example", label: "x" } });
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
        const validInput = VALID_INPUT[command.name];
        const input = validInput ? await validInput() : {};
        const auditBefore = await db.auditLog.count();
        // An allowed caller gets past the policy: with valid input to the work itself, which succeeds; with empty
        // input to validation. A refused one is stopped before anything else and changes nothing.
        const result = await executeCommand(command, contextFor(db, role ? (actors.get(role) ?? null) : null), input);
        if (allowed) {
          expect(validInput ? result.ok : result.ok || result.reason === "invalid").toBe(true);
          return;
        }
        expect(result).toMatchObject({ ok: false, reason: role === null ? "unauthenticated" : "forbidden" });
        expect(await db.auditLog.count()).toBe(auditBefore);
      });
    }
  }
});
