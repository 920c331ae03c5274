import { describe, expect, it } from "vitest";
import type { Role } from "../generated/prisma/enums";
import { can, PERMISSIONS, type Permission } from "./policy";

/**
 * The rules of the product brief (and the README's roles table), each stated once and checked against the policy.
 * Together they decide every role for every permission, so a permission no rule speaks for fails the last test.
 */
type Rule = { rule: string; permissions: Permission[]; roles: Role[] };

const RULES: Rule[] = [
  {
    rule: "every staff member can find customers and their trunks",
    permissions: ["customers:view", "trunks:view"],
    roles: ["ADMIN", "SALES", "SUPPORT"],
  },
  {
    rule: "sales create customer accounts, demo accounts and trunks and edit them; support does not",
    permissions: ["customers:create", "customers:edit", "demo:create", "trunks:create", "trunks:edit"],
    roles: ["ADMIN", "SALES"],
  },
  {
    rule: "sales convert a demo into a paying account, which sets its trunks' calling policy as editing a trunk does",
    permissions: ["demo:convert"],
    roles: ["ADMIN", "SALES"],
  },
  {
    rule: "sales and support give a demo more time: customer care, like support re-enabling a trunk",
    permissions: ["demo:extend"],
    roles: ["ADMIN", "SALES", "SUPPORT"],
  },
  {
    rule: "support resets SIP passwords, disables and re-enables trunks and forces a registrar sync; sales does not",
    permissions: ["trunks:reset-password", "trunks:set-status", "registrar:sync"],
    roles: ["ADMIN", "SUPPORT"],
  },
  {
    rule: "whoever sends customers their credentials (sales and support) may reveal them, audited",
    permissions: ["trunks:send-credentials", "trunks:reveal-password"],
    roles: ["ADMIN", "SALES", "SUPPORT"],
  },
  {
    rule: "support investigates with the mail log and the audit log; sales does not",
    permissions: ["mail:view", "audit:view"],
    roles: ["ADMIN", "SUPPORT"],
  },
  {
    rule: "only admins delete trunks and manage staff, SIP servers and provider settings",
    permissions: ["trunks:delete", "staff:manage", "servers:manage", "settings:manage"],
    roles: ["ADMIN"],
  },
  {
    rule: "every staff member looks after their own password, two-factor authentication and sessions",
    permissions: ["account:security"],
    roles: ["ADMIN", "SALES", "SUPPORT"],
  },
  {
    rule: "every staff member may give their own systems an API key, which can do no more than they can",
    permissions: ["api-keys:own"],
    roles: ["ADMIN", "SALES", "SUPPORT"],
  },
  {
    rule: "bulk CSV imports create customers and trunks, so they are for those who may create both",
    permissions: ["imports:run"],
    roles: ["ADMIN", "SALES"],
  },
  {
    rule: "only admins see and revoke every staff member's API keys",
    permissions: ["api-keys:manage"],
    roles: ["ADMIN"],
  },
  {
    rule: "only admins register webhook endpoints, see their deliveries and redeliver them",
    permissions: ["webhooks:manage"],
    roles: ["ADMIN"],
  },
  {
    rule: "the customer portal is for customers only, and it is all they get",
    permissions: ["portal:use"],
    roles: ["CUSTOMER"],
  },
  {
    rule: "customers reset their own trunks' SIP passwords and invite colleagues to their own account; staff use the staff pages",
    permissions: ["portal:reset-password", "portal:invite-users"],
    roles: ["CUSTOMER"],
  },
];

const ROLES: Role[] = ["ADMIN", "SALES", "SUPPORT", "CUSTOMER"];
const ALL = Object.keys(PERMISSIONS) as Permission[];

describe("the authorization policy follows the brief", () => {
  for (const { rule, permissions, roles } of RULES) {
    it(rule, () => {
      for (const permission of permissions) {
        const allowed = ROLES.filter((role) => can({ role }, permission));
        expect(allowed, permission).toEqual(roles);
      }
    });
  }

  it("admins may do everything staff may do", () => {
    expect(
      ALL.filter((permission) => !permission.startsWith("portal:") && !can({ role: "ADMIN" }, permission)),
    ).toEqual([]);
  });

  it("customers may do nothing outside their portal", () => {
    expect(ALL.filter((permission) => can({ role: "CUSTOMER" }, permission))).toEqual([
      "portal:use",
      "portal:reset-password",
      "portal:invite-users",
    ]);
  });

  it("nobody signed out may do anything", () => {
    expect(ALL.filter((permission) => can(null, permission) || can(undefined, permission))).toEqual([]);
  });

  it("every permission is decided by exactly one rule of the brief", () => {
    const decided = RULES.flatMap((rule) => rule.permissions);
    expect([...decided].sort()).toEqual([...ALL].sort());
    expect(new Set(decided).size).toBe(decided.length);
  });
});
