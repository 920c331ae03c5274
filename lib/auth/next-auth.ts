import { headers } from "next/headers";
import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import Nodemailer from "next-auth/providers/nodemailer";
import { recordAudit } from "../audit/log";
import { getDb } from "../db";
import { env, portalUrl } from "../env";
import { log } from "../observability/log";
import { portalAuthAdapter } from "./adapter";
import { requestMetaFrom } from "./request-meta";
import { loadSession, revokeSession, type SignInMethod, startSession } from "./sessions";
import { redeemSignInChallenge } from "./sign-in";
import { requestSignInLink, SIGN_IN_LINK_MAX_AGE_S } from "./sign-in-links";

export const SESSION_MAX_AGE_S = 8 * 60 * 60;

declare module "next-auth" {
  interface Session {
    /** When the user signed in (ms since epoch): some actions need a recent sign-in. */
    authTime?: number;
    /** The UserSession row behind this cookie; revoking it ends the session. */
    sessionId?: string;
  }
  interface User {
    /** How a staff member proved who they are (set by the staff provider). */
    signInVia?: SignInMethod;
  }
}

/** Expected refusals get one line in the log; anything else is a bug and keeps its stack trace. */
export const authLogger = {
  error(error: Error) {
    const type = (error as { type?: string }).type;
    if (error instanceof CredentialsSignin || type === "Verification" || type === "AccessDenied") {
      log.warn({ component: "auth", type: type ?? error.name }, error.message.split("\n")[0]);
    } else {
      log.error({ component: "auth", err: error }, "auth error");
    }
  },
  warn(code: string) {
    log.warn({ component: "auth", code }, "auth warning");
  },
  debug() {},
};

/**
 * Auth.js: staff sign in with email and password (and a second factor when they turned it on), customers with a
 * single-use email link sent through the portal's mail outbox. Each session is a signed JWT cookie naming a
 * UserSession row, which the portal can revoke; it expires after 8 hours.
 */
export const { handlers, auth, signIn, signOut } = NextAuth(() => {
  // Auth.js builds its URLs, the emailed sign-in link included, from AUTH_URL when set and from the request's Host
  // and X-Forwarded-Host headers otherwise. Pinning it to PORTAL_URL means no request header can change a link.
  process.env.AUTH_URL = portalUrl("/api/auth");
  return {
    secret: env().AUTH_SECRET,
    trustHost: true,
    adapter: portalAuthAdapter(getDb()),
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_S },
    pages: { signIn: "/sign-in", verifyRequest: "/portal/sign-in/check-email", error: "/portal/sign-in" },
    logger: authLogger,
    callbacks: {
      // Every email sign-in request is answered the same way; only customers' addresses get a link (see below).
      signIn: () => true,
      async jwt({ token, user, account }) {
        if (account && user?.id) {
          const via = account.provider === "email" ? "email-link" : (user.signInVia ?? "password");
          token.sid = await startSession(getDb(), user.id, via, requestMetaFrom(await headers()));
          token.authTime = Date.now();
        }
        return token;
      },
      // The token carries only the user id, session id and sign-in time; role and access are re-read per request.
      session({ session, token }) {
        if (token.sub) session.user.id = token.sub;
        if (typeof token.sid === "string") session.sessionId = token.sid;
        if (typeof token.authTime === "number") session.authTime = token.authTime;
        return session;
      },
    },
    events: {
      async signOut(message) {
        const token = "token" in message ? message.token : null;
        if (typeof token?.sid !== "string" || !token.sub) return;
        const db = getDb();
        const actor = (await loadSession(db, token.sub, token.sid))?.actor;
        await revokeSession(db, token.sid);
        if (actor) {
          await recordAudit(
            db,
            { actor, meta: requestMetaFrom(await headers()) },
            { action: "auth.sign-out", targetType: "user", targetId: actor.id, customerId: actor.customerId },
          );
        }
      },
    },
    providers: [
      // The password and second factor are checked by ./sign-in before this runs; the provider only turns the
      // resulting single-use challenge token into a session.
      Credentials({
        id: "staff",
        credentials: { challenge: {} },
        async authorize(credentials) {
          const redeemed = await redeemSignInChallenge(getDb(), String(credentials.challenge ?? ""));
          if (!redeemed) return null;
          const { user, via } = redeemed;
          return { id: user.id, email: user.email, name: user.name, signInVia: via };
        },
      }),
      Nodemailer({
        id: "email",
        server: "smtp://unused.invalid",
        maxAge: SIGN_IN_LINK_MAX_AGE_S,
        async sendVerificationRequest({ identifier, request }) {
          await requestSignInLink(getDb(), identifier, requestMetaFrom(request.headers));
        },
      }),
    ],
  };
});
