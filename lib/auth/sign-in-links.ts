import { createHash, randomBytes } from "node:crypto";
import type { RequestMeta } from "../commands";
import type { Db, Tx } from "../db";
import { env, portalUrl } from "../env";
import { enqueueJob } from "../jobs/queue";
import { queueMail } from "../mail/queue";
import { signInMail } from "../mail/templates";
import { type RateLimitRule, takeAttempt } from "../rate-limit";
import { getProviderSettings } from "../settings";
import { portalAuthAdapter } from "./adapter";

/** A sign-in link works once, for 30 minutes. */
export const SIGN_IN_LINK_MAX_AGE_S = 30 * 60;
const HALF_HOUR = 30 * 60_000;
/** At most 5 links per address and 20 requests per source each half hour, so nobody's inbox can be flooded. */
export const SIGN_IN_LINK_LIMITS = {
  address: { limit: 5, delayMs: HALF_HOUR, maxDelayMs: HALF_HOUR, resetAfterMs: HALF_HOUR },
  source: { limit: 20, delayMs: HALF_HOUR, maxDelayMs: HALF_HOUR, resetAfterMs: HALF_HOUR },
} satisfies Record<string, RateLimitRule>;

export const SIGN_IN_LINK_TASK = "auth.sign-in-link";

/**
 * Asks for a customer's sign-in link. Anyone may ask for any address, and the request does the same work whoever
 * the address belongs to (the source's throttle, then one queued job), so neither its answer nor its timing tells
 * whether the address is a customer's: who gets a link is decided by the job, `sendSignInLink`.
 */
export async function requestSignInLink(db: Db, email: string, meta: RequestMeta) {
  const fromSource = await takeAttempt(db, `sign-in-link-source:${meta.ip ?? "unknown"}`, SIGN_IN_LINK_LIMITS.source);
  if (!fromSource.allowed) return;
  await db.$transaction((tx) => enqueueJob(tx, SIGN_IN_LINK_TASK, { email }));
}

/**
 * The token as Auth.js looks it up when the link is opened: SHA-256 of the token and the secret, in hex
 * (@auth/core's email callback; the customer sign-in tests open real links, so a change there cannot go unnoticed).
 */
const storedTokenOf = (token: string) => createHash("sha256").update(`${token}${env().AUTH_SECRET}`).digest("hex");

/**
 * A sign-in link for `email` on PORTAL_URL, valid once for `maxAgeS`: Auth.js's email callback, landing on the portal.
 * The token is stored (hashed) in `tx`, so it exists exactly when the email that carries it does. Invitations use it
 * too.
 */
export async function createSignInLink(tx: Tx, email: string, maxAgeS: number): Promise<string> {
  const token = randomBytes(32).toString("hex");
  await tx.verificationToken.create({
    data: { identifier: email, token: storedTokenOf(token), expires: new Date(Date.now() + maxAgeS * 1000) },
  });
  const link = new URL(portalUrl("/api/auth/callback/email"));
  link.searchParams.set("callbackUrl", portalUrl("/portal"));
  link.searchParams.set("token", token);
  link.searchParams.set("email", email);
  return link.toString();
}

/** The job: emails a sign-in link through the outbox to an active customer user only, within the address's limit. */
export async function sendSignInLink(db: Db, email: string) {
  const user = await portalAuthAdapter(db).getUserByEmail?.(email);
  if (!user) return;
  if (!(await takeAttempt(db, `sign-in-link:${email}`, SIGN_IN_LINK_LIMITS.address)).allowed) return;
  await db.$transaction(async (tx) => {
    const signInUrl = await createSignInLink(tx, email, SIGN_IN_LINK_MAX_AGE_S);
    const customer = await tx.user.findUnique({ where: { email }, select: { customerId: true } });
    await queueMail(tx, {
      ...signInMail({ provider: await getProviderSettings(tx), expiresMinutes: SIGN_IN_LINK_MAX_AGE_S / 60 }),
      kind: "auth.sign-in-link",
      to: email,
      customerId: customer?.customerId,
      secrets: { signInUrl },
    });
  });
}
