import { createHash, randomBytes } from "node:crypto";
import type { RequestMeta } from "../commands";
import type { Db, Tx } from "../db";
import { env, portalUrl } from "../env";
import { queueMail } from "../mail/outbox";
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

/**
 * Emails a customer's sign-in link through the outbox. Anyone may ask for any address and gets the same answer; a
 * link is sent only to an active customer user. The link is rebuilt on PORTAL_URL: of what Auth.js made, only the
 * token is kept, so no request header can point it at another host.
 */
export async function queueSignInLink(db: Db, email: string, authJsUrl: string, meta: RequestMeta) {
  const fromSource = await takeAttempt(db, `sign-in-link-source:${meta.ip ?? "unknown"}`, SIGN_IN_LINK_LIMITS.source);
  if (!fromSource.allowed) return;
  const user = await portalAuthAdapter(db).getUserByEmail?.(email);
  if (!user) return;
  if (!(await takeAttempt(db, `sign-in-link:${email}`, SIGN_IN_LINK_LIMITS.address)).allowed) return;
  const link = signInLinkUrl(email, new URL(authJsUrl).searchParams.get("token") ?? "");
  await db.$transaction(async (tx) => {
    const customer = await tx.user.findUnique({ where: { email }, select: { customerId: true } });
    await queueMail(tx, {
      ...signInMail({ provider: await getProviderSettings(tx), expiresMinutes: SIGN_IN_LINK_MAX_AGE_S / 60 }),
      kind: "auth.sign-in-link",
      to: email,
      customerId: customer?.customerId,
      secrets: { signInUrl: link },
    });
  });
}

/** The customer sign-in link for a token, on PORTAL_URL: Auth.js's email callback, landing on the portal. */
function signInLinkUrl(email: string, token: string): string {
  const link = new URL(portalUrl("/api/auth/callback/email"));
  link.searchParams.set("callbackUrl", portalUrl("/portal"));
  link.searchParams.set("token", token);
  link.searchParams.set("email", email);
  return link.toString();
}

/**
 * A sign-in link made by the portal itself rather than asked for (an invitation), valid for `maxAgeS`: stored the way
 * Auth.js stores and checks its own (SHA-256 of the token and AUTH_SECRET), so its email callback accepts it once.
 */
export async function createSignInLink(tx: Tx, email: string, maxAgeS: number): Promise<string> {
  const token = randomBytes(32).toString("hex");
  await tx.verificationToken.create({
    data: {
      identifier: email,
      token: createHash("sha256").update(`${token}${env().AUTH_SECRET}`).digest("hex"),
      expires: new Date(Date.now() + maxAgeS * 1000),
    },
  });
  return signInLinkUrl(email, token);
}
