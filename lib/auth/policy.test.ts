import { describe, expect, it } from "vitest";
import type { Role } from "../generated/prisma/enums";
import { can, PERMISSIONS, type Permission } from "./policy";

/** The roles of the product brief, written out independently of the policy table. */
const EXPECTED: Record<Permission, Role[]> = {
  "customers:view": ["ADMIN", "SALES", "SUPPORT"],
  "customers:create": ["ADMIN", "SALES"],
  "customers:edit": ["ADMIN", "SALES"],
  "demo:create": ["ADMIN", "SALES"],
  "trunks:view": ["ADMIN", "SALES", "SUPPORT"],
  "trunks:create": ["ADMIN", "SALES"],
  "trunks:edit": ["ADMIN", "SALES"],
  "trunks:reveal-password": ["ADMIN", "SALES", "SUPPORT"],
  "trunks:reset-password": ["ADMIN", "SUPPORT"],
  "trunks:set-status": ["ADMIN", "SUPPORT"],
  "trunks:delete": ["ADMIN"],
  "registrar:sync": ["ADMIN", "SUPPORT"],
  "trunks:send-credentials": ["ADMIN", "SALES", "SUPPORT"],
  "mail:view": ["ADMIN", "SUPPORT"],
  "portal:use": ["CUSTOMER"],
  "staff:manage": ["ADMIN"],
  "servers:manage": ["ADMIN"],
  "settings:manage": ["ADMIN"],
  "audit:view": ["ADMIN", "SUPPORT"],
  "account:security": ["ADMIN", "SALES", "SUPPORT"],
};

const ROLES: Role[] = ["ADMIN", "SALES", "SUPPORT", "CUSTOMER"];

describe("authorization policy", () => {
  it("covers exactly the expected permissions", () => {
    expect(Object.keys(PERMISSIONS).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [permission, allowed] of Object.entries(EXPECTED) as [Permission, Role[]][]) {
    for (const role of ROLES) {
      const expected = allowed.includes(role);
      it(`${role} ${expected ? "may" : "may not"} ${permission}`, () => {
        expect(can({ role }, permission)).toBe(expected);
      });
    }
    it(`a signed-out visitor may not ${permission}`, () => {
      expect(can(null, permission)).toBe(false);
    });
  }

  it("gives customers the customer portal and nothing else", () => {
    expect(
      Object.keys(PERMISSIONS).filter((permission) => can({ role: "CUSTOMER" }, permission as Permission)),
    ).toEqual(["portal:use"]);
  });
});
