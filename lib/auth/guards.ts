import "server-only";
import { headers } from "next/headers";
import { forbidden, redirect } from "next/navigation";
import { cache } from "react";
import type { CommandContext, RequestMeta } from "../commands";
import { getDb } from "../db";
import { auth } from "./next-auth";
import { type Actor, can, isStaff, type Permission } from "./policy";
import { requestMetaFrom } from "./request-meta";
import { loadSession } from "./sessions";
import { twoFactorRequiredFor } from "./two-factor";

/** Where staff who must use two-factor authentication but have not set it up are sent. */
export const TWO_FACTOR_SETUP_PATH = "/account/two-factor";

/**
 * The signed-in user for this request, re-read from the database (once per request) through their session row, so
 * a revoked session or a deactivated user is signed out at once; when they signed in; and whether they still have
 * to set up the two-factor authentication the provider requires of them.
 */
const currentSession = cache(async () => {
  const session = await auth();
  const userId = session?.user?.id;
  const sessionId = session?.sessionId ?? null;
  const db = getDb();
  const loaded = userId && sessionId ? await loadSession(db, userId, sessionId) : null;
  const actor = loaded?.actor ?? null;
  const twoFactorDue = Boolean(
    loaded && isStaff(loaded.actor) && !loaded.twoFactorOn && (await twoFactorRequiredFor(db, loaded.actor.role)),
  );
  return {
    actor,
    sessionId: actor ? sessionId : null,
    authenticatedAt: session?.authTime ? new Date(session.authTime) : null,
    twoFactorDue,
  };
});

export const currentActor = async () => (await currentSession()).actor;

export async function requestMeta(): Promise<RequestMeta> {
  return requestMetaFrom(await headers());
}

export async function commandContext(): Promise<CommandContext> {
  const { actor, authenticatedAt, sessionId, twoFactorDue } = await currentSession();
  return { db: getDb(), actor, authenticatedAt, sessionId, twoFactorDue, meta: await requestMeta() };
}

/**
 * For pages and route handlers: signed-out visitors go to sign-in; signed-in users without the permission get 403;
 * staff who must set up two-factor authentication go to its setup first.
 */
export async function requirePermission(permission: Permission): Promise<Actor> {
  const { actor, twoFactorDue } = await currentSession();
  if (!actor) redirect(permission === "portal:use" ? "/portal/sign-in" : "/sign-in");
  if (twoFactorDue) redirect(TWO_FACTOR_SETUP_PATH);
  if (!can(actor, permission)) forbidden();
  return actor;
}

export async function requireStaff(options: { duringTwoFactorSetup?: boolean } = {}): Promise<Actor> {
  const { actor, twoFactorDue } = await currentSession();
  if (!actor) redirect("/sign-in");
  if (!isStaff(actor)) forbidden();
  if (twoFactorDue && !options.duringTwoFactorSetup) redirect(TWO_FACTOR_SETUP_PATH);
  return actor;
}

/**
 * For route handlers that answer JSON (a page's live status): the signed-in actor with the permission, or the status
 * to answer instead of a redirect — 401 signed out, 403 without the permission (or before required 2FA setup).
 */
export async function routeActor(permission: Permission): Promise<{ actor: Actor } | { status: 401 | 403 }> {
  const { actor, twoFactorDue } = await currentSession();
  if (!actor) return { status: 401 };
  if (twoFactorDue || !can(actor, permission)) return { status: 403 };
  return { actor };
}
