import type { Role } from "../generated/prisma/enums";

/**
 * The one authorization policy: which role may do what. Every page, server action and route handler asks `can()`
 * (through the guards in ./guards and the command runner in ../commands), and no other code decides by role.
 *
 * Rules that depend on the record or the moment, not the role, are checked by the command they guard, after `can()`:
 * - ownership: a customer sees only their own account's records (`getOwnTrunk` in lib/portal, `visibleTrunk` in
 *   lib/trunks/access; a record of another account does not exist for them);
 * - sensitive customer actions (reveal, reset, invite) need a recent sign-in and stay under a rate limit
 *   (`checkSensitiveAction` in lib/portal);
 * - staff change their own role, status and sign-in only on their account page (`otherStaffMember` in lib/staff);
 * - secrets in a stored email are readable only in the local mailbox, never a password reset link
 *   (`readMailboxMessage` in lib/mail/mailbox).
 */
export const PERMISSIONS = {
  "customers:view": ["ADMIN", "SALES", "SUPPORT"],
  "customers:create": ["ADMIN", "SALES"],
  "customers:edit": ["ADMIN", "SALES"],
  "demo:create": ["ADMIN", "SALES"],
  // Giving a demo more time is customer care (support re-enables trunks too); converting it to a paying account is a
  // sale that also sets the trunks' calling policy, so it follows trunks:edit.
  "demo:extend": ["ADMIN", "SALES", "SUPPORT"],
  "demo:convert": ["ADMIN", "SALES"],
  "trunks:view": ["ADMIN", "SALES", "SUPPORT"],
  "trunks:create": ["ADMIN", "SALES"],
  "trunks:edit": ["ADMIN", "SALES"],
  "trunks:reveal-password": ["ADMIN", "SALES", "SUPPORT"],
  "trunks:reset-password": ["ADMIN", "SUPPORT"],
  "trunks:set-status": ["ADMIN", "SUPPORT"],
  "trunks:delete": ["ADMIN"],
  "registrar:sync": ["ADMIN", "SUPPORT"],
  "trunks:send-credentials": ["ADMIN", "SALES", "SUPPORT"],
  /** Bulk CSV import of customers and trunks: creates both, so it follows customers:create and trunks:create. */
  "imports:run": ["ADMIN", "SALES"],
  "mail:view": ["ADMIN", "SUPPORT"],
  "portal:use": ["CUSTOMER"],
  /** Their own trunks' SIP passwords, and colleagues invited to their own account (each after a recent sign-in). */
  "portal:reset-password": ["CUSTOMER"],
  "portal:invite-users": ["CUSTOMER"],
  "staff:manage": ["ADMIN"],
  "servers:manage": ["ADMIN"],
  "settings:manage": ["ADMIN"],
  "audit:view": ["ADMIN", "SUPPORT"],
  /** One's own password, two-factor authentication and sessions. */
  "account:security": ["ADMIN", "SALES", "SUPPORT"],
  /** Keys for the REST API that act as oneself (with one's own role): create, list and revoke them. */
  "api-keys:own": ["ADMIN", "SALES", "SUPPORT"],
  /** Every staff member's API keys: see and revoke them. */
  "api-keys:manage": ["ADMIN"],
  /** Webhook endpoints: register, change, disable, see deliveries and redeliver. */
  "webhooks:manage": ["ADMIN"],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export type Actor = {
  id: string;
  email: string;
  name: string;
  role: Role;
  customerId: string | null;
};

/** Just the actor's fields of a user row (or a wider object): what commands, the audit log and this policy see. */
export const actorOf = (user: Actor): Actor => ({
  id: user.id,
  email: user.email,
  name: user.name,
  role: user.role,
  customerId: user.customerId,
});

export function can(actor: Pick<Actor, "role"> | null | undefined, permission: Permission): boolean {
  if (!actor) return false;
  return (PERMISSIONS[permission] as readonly Role[]).includes(actor.role);
}

export const STAFF_ROLES = ["ADMIN", "SALES", "SUPPORT"] as const satisfies readonly Role[];
export const isStaff = (actor: Pick<Actor, "role"> | null | undefined) =>
  !!actor && (STAFF_ROLES as readonly Role[]).includes(actor.role);
