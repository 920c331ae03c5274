import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { getDb } from "../db";
import { env } from "../env";
import { verifyStaffSignIn } from "./sign-in";

class ThrottledSignIn extends CredentialsSignin {
  code = "throttled";
}

export const STAFF_SESSION_MAX_AGE_S = 8 * 60 * 60;

function clientIp(headers: Headers): string | null {
  return headers.get("x-forwarded-for")?.split(",")[0]?.trim() || headers.get("x-real-ip") || null;
}

/** Auth.js: staff sign in with email and password; sessions are signed JWT cookies that expire after 8 hours. */
export const { handlers, auth, signIn, signOut } = NextAuth(() => ({
  secret: env().AUTH_SECRET,
  trustHost: true,
  session: { strategy: "jwt", maxAge: STAFF_SESSION_MAX_AGE_S },
  pages: { signIn: "/sign-in" },
  callbacks: {
    // The token carries only the user id; role and access are re-read from the database on every request.
    session({ session, token }) {
      if (token.sub) session.user.id = token.sub;
      return session;
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
          {
            ip: clientIp(request.headers),
            userAgent: request.headers.get("user-agent"),
          },
        );
        if (result.ok) return { id: result.actor.id, email: result.actor.email, name: result.actor.name };
        if (result.reason === "throttled") throw new ThrottledSignIn();
        return null;
      },
    }),
  ],
}));
