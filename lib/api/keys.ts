import { createHash, randomInt, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { recordAudit } from "../audit/log";
import { type Actor, actorOf, can } from "../auth/policy";
import { defineCommand } from "../commands";
import { type Db, sqlRows } from "../db";
import { NotFoundError } from "../errors";
import { Prisma } from "../generated/prisma/client";
import { checkbox, id, optionalNumber, requiredText } from "../validation";

/**
 * API keys: `tp_live_` + 8 characters (the prefix, public: it names the key and finds its row) + 32 more characters,
 * 40 random base-62 characters in all (about 238 bits). Only the SHA-256 of the whole key is stored: a key has far
 * too much entropy to guess, so a slow hash would only slow every request down.
 */
const KEY_PREFIX = "tp_live_";
const PREFIX_CHARACTERS = 8;
const SECRET_CHARACTERS = 32;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const KEY_SHAPE = new RegExp(`^${KEY_PREFIX}[A-Za-z0-9]{${PREFIX_CHARACTERS + SECRET_CHARACTERS}}$`);
/** `lastUsedAt` is written at most this often per key, so a busy key does not write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;
export const MAX_KEY_DAYS = 365;

const randomText = (length: number) => Array.from({ length }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const prefixOf = (key: string) => key.slice(0, KEY_PREFIX.length + PREFIX_CHARACTERS);

export type ApiKeyRow = NonNullable<Awaited<ReturnType<Db["apiKey"]["findUnique"]>>>;

/** Why a request's key was refused; a caller only learns more than "invalid" once it has shown the whole key. */
export type KeyRefusal = "missing" | "invalid" | "revoked" | "expired" | "owner-inactive";

export type ApiPrincipal = { actor: Actor; key: ApiKeyRow };

/**
 * The staff member an `Authorization: Bearer tp_live_…` header acts for, as they are now (role, active), or why not.
 * Cookies are never looked at: a browser session cannot call the API, so the API needs no CSRF defence.
 */
export async function authenticateApiKey(
  db: Db,
  authorization: string | null,
  ip: string | null,
  now = new Date(),
): Promise<ApiPrincipal | { refused: KeyRefusal }> {
  const match = authorization?.match(/^Bearer +(\S+) *$/i);
  if (!match) return { refused: "missing" };
  const presented = match[1] ?? "";
  if (!KEY_SHAPE.test(presented)) return { refused: "invalid" };
  // Every API request starts here: one statement, without Prisma's query compiler (lib/db.ts `sqlRows`).
  const [found] = await sqlRows<ApiKeyRow & { owner: Actor & { active: boolean } }>(
    db,
    Prisma.sql`SELECT k.*, json_build_object('id', u.id, 'email', u.email, 'name', u.name, 'role', u.role,
        'customerId', u."customerId", 'active', u.active) AS owner
      FROM "ApiKey" k JOIN "User" u ON u.id = k."userId" WHERE k.prefix = ${prefixOf(presented)}`,
    "api-key-by-prefix",
  );
  // Compared in constant time, so response times tell nothing about how much of a guessed key was right.
  const presentedHash = Buffer.from(sha256(presented), "hex");
  if (!found || !timingSafeEqual(presentedHash, Buffer.from(found.keyHash, "hex"))) return { refused: "invalid" };
  const { owner, ...key } = found;
  if (key.revokedAt) return { refused: "revoked" };
  if (key.expiresAt && key.expiresAt <= now) return { refused: "expired" };
  if (!owner.active || owner.role === "CUSTOMER") return { refused: "owner-inactive" };
  if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.apiKey.updateMany({
      where: {
        id: key.id,
        OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now.getTime() - LAST_USED_RESOLUTION_MS) } }],
      },
      data: { lastUsedAt: now, lastUsedIp: ip },
    });
  }
  return { actor: actorOf(owner), key };
}

/** Keys a staff member may see on the API keys page: their own, or everyone's for those who manage keys. */
export async function listApiKeys(db: Db, actor: Actor) {
  return db.apiKey.findMany({
    where: can(actor, "api-keys:manage") ? {} : { userId: actor.id },
    include: { user: { select: { email: true, role: true } } },
    orderBy: [{ revokedAt: { sort: "desc", nulls: "first" } }, { createdAt: "desc" }],
  });
}

const expiresInDays = optionalNumber(
  z
    .number({ error: "Enter a number of days." })
    .int("Enter a whole number of days.")
    .min(1, "A key lasts at least 1 day.")
    .max(MAX_KEY_DAYS, `A key lasts at most ${MAX_KEY_DAYS} days.`),
);

/** A new key for the signed-in staff member. The key itself is returned here once and never stored. */
export const createApiKey = defineCommand({
  name: "api-key.create",
  permission: "api-keys:own",
  input: z.object({ name: requiredText("a name for the key", 80), readOnly: checkbox, expiresInDays }),
  async run(ctx, { name, readOnly, expiresInDays: days }) {
    const secret = `${KEY_PREFIX}${randomText(PREFIX_CHARACTERS + SECRET_CHARACTERS)}`;
    const expiresAt = days === null ? null : new Date(Date.now() + days * 24 * 60 * 60 * 1000);
    return ctx.db.$transaction(async (tx) => {
      const key = await tx.apiKey.create({
        data: { userId: ctx.actor.id, name, prefix: prefixOf(secret), keyHash: sha256(secret), readOnly, expiresAt },
      });
      await recordAudit(tx, ctx, {
        action: "api-key.create",
        targetType: "api-key",
        targetId: key.id,
        details: { name, prefix: key.prefix, readOnly, expiresAt: expiresAt?.toISOString() ?? null },
      });
      return { key, secret };
    });
  },
});

/** Revokes a key at once: its next request is refused. Admins may revoke anyone's; others only their own. */
export const revokeApiKey = defineCommand({
  name: "api-key.revoke",
  permission: "api-keys:own",
  input: z.object({ apiKeyId: id }),
  async run(ctx, { apiKeyId }) {
    return ctx.db.$transaction(async (tx) => {
      const key = await tx.apiKey.findUnique({ where: { id: apiKeyId } });
      if (!key || (key.userId !== ctx.actor.id && !can(ctx.actor, "api-keys:manage"))) {
        throw new NotFoundError("API key");
      }
      const revoked = key.revokedAt
        ? key
        : await tx.apiKey.update({ where: { id: apiKeyId }, data: { revokedAt: new Date() } });
      await recordAudit(tx, ctx, {
        action: "api-key.revoke",
        targetType: "api-key",
        targetId: apiKeyId,
        details: { name: key.name, prefix: key.prefix, owner: key.userId },
      });
      return revoked;
    });
  },
});
