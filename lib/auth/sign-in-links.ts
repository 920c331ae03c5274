import type { RequestMeta } from "../commands";
import type { Db } from "../db";
import { portalUrl } from "../env";
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
  const link = new URL(portalUrl("/api/auth/callback/email"));
  link.searchParams.set("callbackUrl", portalUrl("/portal"));
  link.searchParams.set("token", new URL(authJsUrl).searchParams.get("token") ?? "");
  link.searchParams.set("email", email);
  await db.$transaction(async (tx) => {
    const customer = await tx.user.findUnique({ where: { email }, select: { customerId: true } });
    await queueMail(tx, {
      ...signInMail({ provider: await getProviderSettings(tx), expiresMinutes: SIGN_IN_LINK_MAX_AGE_S / 60 }),
      kind: "auth.sign-in-link",
      to: email,
      customerId: customer?.customerId,
      secrets: { signInUrl: link.toString() },
    });
  });
}
