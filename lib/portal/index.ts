import { z } from "zod";
import type { Actor } from "../auth/policy";
import { type AuthorizedContext, type CommandContext, defineCommand } from "../commands";
import { consumeRevealLink, inspectRevealLink, type RevealLinkState } from "../credentials/reveal-links";
import type { Db, Tx } from "../db";
import { ConflictError, NotFoundError } from "../errors";
import { Prisma } from "../generated/prisma/client";
import { createdAtCursor, finishPage, keysetSql, type PageRequest, readPage } from "../keyset";
import { type RateLimitRule, takeAttempt } from "../rate-limit";
import { getProviderSettings } from "../settings";
import { resetPassword, revealPassword } from "../trunks";
import { trunkDetailsInclude } from "../trunks/include";
import { id, isId } from "../validation";

/**
 * A customer's sensitive actions (revealing or resetting a password, inviting someone) need a sign-in this recent,
 * so an unattended session cannot leak a password or let someone in.
 */
export const REVEAL_RECENT_SIGN_IN_MS = 15 * 60 * 1000;
export const REVEALS_PER_WINDOW = 5;
export const REVEAL_WINDOW_MS = 10 * 60 * 1000;
/**
 * After 5 of one such action, the next waits 10 minutes; and every one after that, until 10 quiet minutes pass. Each
 * action counts separately (reveals, resets, invitations), per user.
 */
const SENSITIVE_ACTION_LIMIT: RateLimitRule = {
  limit: REVEALS_PER_WINDOW,
  delayMs: REVEAL_WINDOW_MS,
  maxDelayMs: REVEAL_WINDOW_MS,
  resetAfterMs: REVEAL_WINDOW_MS,
};

/** Refuses a sensitive action without a recent sign-in, or past its limit (counted atomically, before acting). */
export async function checkSensitiveAction(
  ctx: AuthorizedContext,
  action: "reveal" | "reset" | "invite",
  tooOften: string,
) {
  if (!ctx.authenticatedAt || Date.now() - ctx.authenticatedAt.getTime() > REVEAL_RECENT_SIGN_IN_MS) {
    throw new ConflictError("For your security, sign in again first (a fresh email link), then try again.");
  }
  if (!(await takeAttempt(ctx.db, `${action}:${ctx.actor.id}`, SENSITIVE_ACTION_LIMIT)).allowed) {
    throw new ConflictError(tooOften);
  }
}

export const OWN_TRUNKS_PER_PAGE = 25;

/**
 * A page of the signed-in customer's own trunks in creation order, deleted ones left out; nothing of any other
 * customer is ever selected. Keyset-paged (lib/keyset.ts): an account can have thousands of trunks.
 */
export async function listOwnTrunks(db: Db, actor: Actor, page: PageRequest = {}) {
  if (!actor.customerId) return { trunks: [], next: null, previous: null };
  const read = readPage(page);
  const { where, order } = keysetSql(Prisma.sql`"createdAt"`, Prisma.sql`id`, read.from, read.direction === "previous");
  const ids = await db.$queryRaw<{ id: string; createdAt: Date }[]>`
    SELECT id, "createdAt" FROM "Trunk"
    WHERE "customerId" = ${actor.customerId} AND status <> 'DELETED' AND ${where}
    ORDER BY "createdAt" ${order}, id ${order} LIMIT ${OWN_TRUNKS_PER_PAGE + 1}`;
  const { rows, next, previous } = finishPage(ids, OWN_TRUNKS_PER_PAGE, read, createdAtCursor);
  const found = await db.trunk.findMany({
    where: { id: { in: rows.map((row) => row.id) } },
    include: trunkDetailsInclude,
  });
  const byId = new Map(found.map((trunk) => [trunk.id, trunk]));
  return { trunks: rows.flatMap((row) => byId.get(row.id) ?? []), next, previous };
}

/**
 * One of the customer's own trunks; another customer's id, or a deleted trunk, is indistinguishable from a missing
 * one (404).
 */
export async function getOwnTrunk(db: Db, actor: Actor, trunkId: string) {
  const trunk =
    actor.customerId && isId(trunkId)
      ? await db.trunk.findFirst({
          where: { id: trunkId, customerId: actor.customerId, status: { not: "DELETED" } },
          include: trunkDetailsInclude,
        })
      : null;
  if (!trunk) throw new NotFoundError("Trunk");
  return trunk;
}

/**
 * A customer sees a SIP password only for a trunk that can be used: enabled, of an account that is active. (Staff
 * can still reveal any trunk's password from the staff pages.)
 */
function passwordShown(trunk: { status: string }, customer: { status: string }): boolean {
  return trunk.status === "ACTIVE" && customer.status === "ACTIVE";
}

export async function getOwnAccount(db: Db, actor: Actor) {
  const [customer, provider] = await Promise.all([
    actor.customerId ? db.customer.findUnique({ where: { id: actor.customerId } }) : null,
    getProviderSettings(db),
  ]);
  if (!customer) throw new NotFoundError("Customer");
  return { customer, provider };
}

export const revealOwnTrunkPassword = defineCommand({
  name: "portal.reveal-password",
  permission: "portal:use",
  input: z.object({ trunkId: id }),
  async run(ctx, { trunkId }) {
    const trunk = await getOwnTrunk(ctx.db, ctx.actor, trunkId);
    const check = async () => {
      const { customer } = await getOwnAccount(ctx.db, ctx.actor);
      if (!passwordShown(trunk, customer)) {
        throw new ConflictError("This trunk is not active, so its password is not shown. Contact support.");
      }
      await checkSensitiveAction(
        ctx,
        "reveal",
        "You have revealed passwords several times in a few minutes. Wait 10 minutes and try again.",
      );
    };
    return { password: await revealPassword(ctx.db, ctx, trunk, { via: "customer", check }) };
  },
});

/**
 * A customer gives one of their own trunks a new SIP password (their PBX's was leaked, say): like a reset by
 * support, it is synced to the registrar, emailed to the account's contact and audited.
 */
export const resetOwnTrunkPassword = defineCommand({
  name: "portal.reset-password",
  permission: "portal:reset-password",
  input: z.object({ trunkId: id }),
  async run(ctx, { trunkId }) {
    const trunk = await getOwnTrunk(ctx.db, ctx.actor, trunkId);
    const { customer } = await getOwnAccount(ctx.db, ctx.actor);
    if (!passwordShown(trunk, customer)) {
      throw new ConflictError("This trunk is not active, so its password cannot be reset here. Contact support.");
    }
    await checkSensitiveAction(
      ctx,
      "reset",
      "You have reset passwords several times in a few minutes. Wait 10 minutes and try again.",
    );
    // Checked again under the trunk's lock: it may have been disabled or deleted meanwhile.
    return resetPassword(ctx, trunkId, "customer", (locked) => {
      if (locked.customerId !== ctx.actor.customerId) throw new NotFoundError("Trunk");
      if (!passwordShown(locked, locked.customer)) {
        throw new ConflictError("This trunk is not active, so its password cannot be reset here. Contact support.");
      }
    });
  },
});

/** Why a link that is itself valid cannot show the password: the trunk or the account is not active. */
export type RevealLinkProblem = Exclude<RevealLinkState, { state: "valid" }> | { state: "unavailable" };
export type RevealLinkOutcome = RevealLinkProblem | { state: "revealed"; password: string; username: string };

/** The link's trunk when the link works and the trunk's password may be shown; otherwise why not. */
async function usableRevealLink(db: Db | Tx, token: string) {
  const link = await inspectRevealLink(db, token);
  if (link.state !== "valid") return link;
  const trunk = await db.trunk.findUniqueOrThrow({ where: { id: link.trunkId }, include: { customer: true } });
  if (!passwordShown(trunk, trunk.customer)) return { state: "unavailable" as const };
  return { state: "valid" as const, linkId: link.linkId, trunk };
}

/** What opening the link would do, without using it (the page shows this before the button is pressed). */
export async function checkRevealLink(db: Db, token: string): Promise<RevealLinkProblem | { state: "valid" }> {
  const link = await usableRevealLink(db, token);
  return link.state === "valid" ? { state: "valid" } : link;
}

/**
 * Opens a one-time link: the password exactly once, or why the link does not work. A link of a trunk that is
 * disabled or deleted, or of an account that is not active, shows nothing and stays unused.
 */
export async function openRevealLink(db: Db, token: string, meta: CommandContext["meta"]): Promise<RevealLinkOutcome> {
  return db.$transaction(async (tx) => {
    const link = await usableRevealLink(tx, token);
    if (link.state !== "valid") return link;
    if (!(await consumeRevealLink(tx, link.linkId, meta.ip))) {
      return inspectRevealLink(tx, token) as Promise<Exclude<RevealLinkState, { state: "valid" }>>;
    }
    // The link's rule (trunk and account active, link unused) was checked above, before the link was used up.
    const password = await revealPassword(tx, { actor: null, meta }, link.trunk, { via: "link" });
    return { state: "revealed", password, username: link.trunk.username };
  });
}
