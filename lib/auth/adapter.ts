import type { Adapter, AdapterUser } from "next-auth/adapters";
import type { Db } from "../db";
import { hasControlCharacters } from "../validation";

function toAdapterUser(user: { id: string; email: string; name: string; emailVerified: Date | null }): AdapterUser {
  return { id: user.id, email: user.email, name: user.name, emailVerified: user.emailVerified };
}

/**
 * The little of an Auth.js adapter the email (magic link) sign-in needs. Only existing, active users of active
 * customer accounts can sign in this way; it never creates users (accounts are made by staff).
 */
export function portalAuthAdapter(db: Db): Adapter {
  const adapter: Adapter = {
    async getUserByEmail(email) {
      // Text that cannot be stored (a NUL) is nobody's address; it must not reach PostgreSQL, which refuses it.
      if (hasControlCharacters(email)) return null;
      const user = await db.user.findUnique({ where: { email: email.toLowerCase() }, include: { customer: true } });
      // A suspended or closed customer's users get no sign-in link.
      return user?.active && user.role === "CUSTOMER" && user.customer?.status === "ACTIVE"
        ? toAdapterUser(user)
        : null;
    },
    async getUser(id) {
      const user = await db.user.findUnique({ where: { id } });
      return user?.active ? toAdapterUser(user) : null;
    },
    async createUser() {
      throw new Error("Customer users are created by staff, not by signing in.");
    },
    async updateUser({ id, emailVerified }) {
      const user = await db.user.update({ where: { id }, data: { emailVerified, lastSignInAt: new Date() } });
      return toAdapterUser(user);
    },
    async createVerificationToken(token) {
      // Not stored: the link Auth.js made is never sent. The sign-in link job mints and stores its own token, for
      // customers only, so a request does the same work whoever the address belongs to (./sign-in-links).
      return token;
    },
    async useVerificationToken({ identifier, token }) {
      // Deleting it is what makes the link single-use.
      try {
        return await db.verificationToken.delete({ where: { identifier_token: { identifier, token } } });
      } catch {
        return null;
      }
    },
  };
  return adapter;
}
