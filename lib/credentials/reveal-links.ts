import { createHash, randomBytes } from "node:crypto";
import type { Db, Tx } from "../db";

export const REVEAL_LINK_HOURS = 72;

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

/** Invalidates every unused link of the trunk (a reset or a newer link supersedes them). */
export async function supersedeRevealLinks(tx: Tx, trunkId: string) {
  await tx.revealLink.updateMany({
    where: { trunkId, usedAt: null, supersededAt: null },
    data: { supersededAt: new Date() },
  });
}

/** A fresh link token, and the row that stores only its SHA-256. */
export function newRevealLink(trunkId: string) {
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + REVEAL_LINK_HOURS * 60 * 60 * 1000);
  return { token, row: { trunkId, tokenHash: hashToken(token), expiresAt } };
}

/** A new single-use link token; only its SHA-256 is stored. Older unused links stop working. */
export async function createRevealLink(tx: Tx, trunkId: string): Promise<string> {
  await supersedeRevealLinks(tx, trunkId);
  const { token, row } = newRevealLink(trunkId);
  await tx.revealLink.create({ data: row });
  return token;
}

export type RevealLinkState =
  | { state: "valid"; linkId: string; trunkId: string }
  | { state: "used"; at: Date }
  | { state: "expired"; at: Date }
  | { state: "superseded"; at: Date }
  | { state: "unknown" };

export async function inspectRevealLink(tx: Db | Tx, token: string, now = new Date()): Promise<RevealLinkState> {
  const link = await tx.revealLink.findUnique({ where: { tokenHash: hashToken(token) } });
  if (!link) return { state: "unknown" };
  if (link.usedAt) return { state: "used", at: link.usedAt };
  if (link.supersededAt) return { state: "superseded", at: link.supersededAt };
  if (link.expiresAt <= now) return { state: "expired", at: link.expiresAt };
  return { state: "valid", linkId: link.id, trunkId: link.trunkId };
}

/** Marks the link used; false when another request used it first (the update is conditional). */
export async function consumeRevealLink(tx: Tx, linkId: string, ip: string | null): Promise<boolean> {
  const { count } = await tx.revealLink.updateMany({
    where: { id: linkId, usedAt: null, supersededAt: null, expiresAt: { gt: new Date() } },
    data: { usedAt: new Date(), usedIp: ip },
  });
  return count === 1;
}
