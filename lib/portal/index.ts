import { z } from "zod";
import type { Actor } from "../auth/policy";
import { type CommandContext, defineCommand } from "../commands";
import { consumeRevealLink, inspectRevealLink, type RevealLinkState } from "../credentials/reveal-links";
import type { Db } from "../db";
import { ConflictError, NotFoundError } from "../errors";
import { type RateLimitRule, takeAttempt } from "../rate-limit";
import { getProviderSettings } from "../settings";
import { revealPassword } from "../trunks";
import { id } from "../validation";

/** A customer's reveal needs a sign-in this recent, so an unattended session cannot leak the password. */
export const REVEAL_RECENT_SIGN_IN_MS = 15 * 60 * 1000;
export const REVEALS_PER_WINDOW = 5;
export const REVEAL_WINDOW_MS = 10 * 60 * 1000;
/** After 5 reveals, the next waits 10 minutes; and every one after that, until 10 quiet minutes pass. */
const REVEAL_LIMIT: RateLimitRule = {
  limit: REVEALS_PER_WINDOW,
  delayMs: REVEAL_WINDOW_MS,
  maxDelayMs: REVEAL_WINDOW_MS,
  resetAfterMs: REVEAL_WINDOW_MS,
};

const ownTrunkInclude = {
  dids: { orderBy: { number: "asc" } },
  servers: { include: { server: true }, orderBy: { server: { hostname: "asc" } } },
} as const;

/** The signed-in customer's own trunks; nothing of any other customer is ever selected. */
export async function listOwnTrunks(db: Db, actor: Actor) {
  if (!actor.customerId) return [];
  return db.trunk.findMany({
    where: { customerId: actor.customerId },
    include: ownTrunkInclude,
    orderBy: { createdAt: "asc" },
  });
}

/** One of the customer's own trunks; another customer's id is indistinguishable from a missing one (404). */
export async function getOwnTrunk(db: Db, actor: Actor, trunkId: string) {
  const trunk = actor.customerId
    ? await db.trunk.findFirst({ where: { id: trunkId, customerId: actor.customerId }, include: ownTrunkInclude })
    : null;
  if (!trunk) throw new NotFoundError("Trunk");
  return trunk;
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
    if (!ctx.authenticatedAt || Date.now() - ctx.authenticatedAt.getTime() > REVEAL_RECENT_SIGN_IN_MS) {
      throw new ConflictError("For your security, sign in again to see your password (a fresh email link).");
    }
    // Counted before the reveal, atomically: parallel requests cannot get more than the limit.
    if (!(await takeAttempt(ctx.db, `reveal:${ctx.actor.id}`, REVEAL_LIMIT)).allowed) {
      throw new ConflictError(
        "You have revealed passwords several times in a few minutes. Wait 10 minutes and try again.",
      );
    }
    return { password: await revealPassword(ctx.db, ctx, trunk, "customer") };
  },
});

export type RevealLinkOutcome =
  | Exclude<RevealLinkState, { state: "valid" }>
  | { state: "revealed"; password: string; username: string };

/** Opens a one-time link: the password exactly once, or why the link no longer works. */
export async function openRevealLink(db: Db, token: string, meta: CommandContext["meta"]): Promise<RevealLinkOutcome> {
  return db.$transaction(async (tx) => {
    const link = await inspectRevealLink(tx, token);
    if (link.state !== "valid") return link;
    if (!(await consumeRevealLink(tx, link.linkId, meta.ip))) {
      return inspectRevealLink(tx, token) as Promise<Exclude<RevealLinkState, { state: "valid" }>>;
    }
    const trunk = await tx.trunk.findUniqueOrThrow({ where: { id: link.trunkId } });
    const password = await revealPassword(tx, { actor: null, meta }, trunk, "link");
    return { state: "revealed", password, username: trunk.username };
  });
}
