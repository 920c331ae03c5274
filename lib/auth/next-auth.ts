import { headers } from "next/headers";
import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import Nodemailer from "next-auth/providers/nodemailer";
import { recordAudit } from "../audit/log";
import { getDb } from "../db";
import { env } from "../env";
import { queueMail } from "../mail/outbox";
import { signInMail } from "../mail/templates";
import { getProviderSettings } from "../settings";
import { portalAuthAdapter } from "./adapter";
import { loadActor, verifyStaffSignIn } from "./sign-in";

class ThrottledSignIn extends CredentialsSignin {
  code = "throttled";
}

export const SESSION_MAX_AGE_S = 8 * 60 * 60;
export const MAGIC_LINK_MAX_AGE_S = 30 * 60;
const SIGN_IN_LINKS_PER_WINDOW = 5;

function clientIp(headers: Headers): string | null {
  return headers.get("x-forwarded-for")?.split(",")[0]?.trim() || headers.get("x-real-ip") || null;
}

declare module "next-auth" {
  interface Session {
    /** When the user signed in (ms since epoch): some actions need a recent sign-in. */
    authTime?: number;
  }
}

/**
 * Auth.js: staff sign in with email and password; customers with a single-use email link sent through the portal's
 * mail outbox. Sessions are signed JWT cookies that expire after 8 hours.
 */
export const { handlers, auth, signIn, signOut } = NextAuth(() => ({
  secret: env().AUTH_SECRET,
  trustHost: true,
  adapter: portalAuthAdapter(getDb()),
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_S },
  pages: { signIn: "/sign-in", verifyRequest: "/portal/sign-in/check-email", error: "/portal/sign-in" },
  callbacks: {
    async signIn({ user, email }) {
      // Magic links go only to existing, active customer users (the adapter finds no one else).
      if (email?.verificationRequest)
        return Boolean(user.email && (await portalAuthAdapter(getDb()).getUserByEmail?.(user.email)));
      return true;
    },
    jwt({ token, account }) {
      if (account) token.authTime = Date.now();
      return token;
    },
    // The token carries only the user id and sign-in time; role and access are re-read on every request.
    session({ session, token }) {
      if (token.sub) session.user.id = token.sub;
      if (typeof token.authTime === "number") session.authTime = token.authTime;
      return session;
    },
  },
  events: {
    // Staff sign-ins are audited where the password is checked (./sign-in); this covers customers' email links.
    async signIn({ user, account }) {
      if (account?.provider !== "email" || !user.id) return;
      const db = getDb();
      const actor = await loadActor(db, user.id);
      const h = await headers();
      await recordAudit(
        db,
        { actor, meta: { ip: clientIp(h), userAgent: h.get("user-agent") } },
        {
          action: "auth.sign-in",
          targetType: "user",
          targetId: user.id,
          customerId: actor?.customerId,
          details: { via: "email-link" },
        },
      );
    },
  },
  providers: [
    Credentials({
      id: "staff",
      credentials: { email: { label: "Email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials, request) {
        const result = await verifyStaffSignIn(
          getDb(),
          String(credentials.email ?? ""),
          String(credentials.password ?? ""),
          { ip: clientIp(request.headers), userAgent: request.headers.get("user-agent") },
        );
        if (result.ok) return { id: result.actor.id, email: result.actor.email, name: result.actor.name };
        if (result.reason === "throttled") throw new ThrottledSignIn();
        return null;
      },
    }),
    Nodemailer({
      id: "email",
      server: "smtp://unused.invalid",
      maxAge: MAGIC_LINK_MAX_AGE_S,
      async sendVerificationRequest({ identifier, url }) {
        const db = getDb();
        await db.$transaction(async (tx) => {
          // At most a few links per address per window, so the form cannot be used to flood someone's inbox.
          const recent = await tx.mail.count({
            where: {
              kind: "auth.sign-in-link",
              to: identifier,
              createdAt: { gte: new Date(Date.now() - MAGIC_LINK_MAX_AGE_S * 1000) },
            },
          });
          if (recent >= SIGN_IN_LINKS_PER_WINDOW) return;
          const provider = await getProviderSettings(tx);
          const user = await tx.user.findUnique({ where: { email: identifier } });
          await queueMail(tx, {
            ...signInMail({ provider, expiresMinutes: MAGIC_LINK_MAX_AGE_S / 60 }),
            kind: "auth.sign-in-link",
            to: identifier,
            customerId: user?.customerId,
            secrets: { signInUrl: url },
          });
        });
      },
    }),
  ],
}));
