import "server-only";
import { headers } from "next/headers";
import { forbidden, redirect } from "next/navigation";
import { cache } from "react";
import type { CommandContext, RequestMeta } from "../commands";
import { getDb } from "../db";
import { auth } from "./next-auth";
import { type Actor, can, isStaff, type Permission } from "./policy";
import { loadActor } from "./sign-in";

/** The signed-in user for this request, re-read from the database (once per request), and when they signed in. */
const currentSession = cache(async (): Promise<{ actor: Actor | null; authenticatedAt: Date | null }> => {
  const session = await auth();
  const userId = session?.user?.id;
  return {
    actor: userId ? await loadActor(getDb(), userId) : null,
    authenticatedAt: session?.authTime ? new Date(session.authTime) : null,
  };
});

export const currentActor = async () => (await currentSession()).actor;

export async function requestMeta(): Promise<RequestMeta> {
  const h = await headers();
  return {
    ip: h.get("x-forwarded-for")?.split(",")[0]?.trim() || h.get("x-real-ip") || null,
    userAgent: h.get("user-agent"),
  };
}

export async function commandContext(): Promise<CommandContext> {
  const { actor, authenticatedAt } = await currentSession();
  return { db: getDb(), actor, authenticatedAt, meta: await requestMeta() };
}

/** For pages and route handlers: signed-out visitors go to sign-in; signed-in users without the permission get 403. */
export async function requirePermission(permission: Permission): Promise<Actor> {
  const actor = await currentActor();
  if (!actor) redirect(permission === "portal:use" ? "/portal/sign-in" : "/sign-in");
  if (!can(actor, permission)) forbidden();
  return actor;
}

export async function requireStaff(): Promise<Actor> {
  const actor = await currentActor();
  if (!actor) redirect("/sign-in");
  if (!isStaff(actor)) forbidden();
  return actor;
}
