/**
 * Signed-in browsers without the sign-in form: a session made the way a completed sign-in makes it (the portal's own
 * `startSession`: a UserSession row and an audit entry) and Auth.js's session cookie for it, signed with the secret
 * `npm start` keeps in its data folder. The sign-in forms themselves are tested where they are the subject
 * (account-security, staff-provisioning, customer-journey); everywhere else a sign-in is only the way in, and the
 * password's argon2id check on a busy two-core machine was most of a short test's time.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";
import { encode } from "next-auth/jwt";
import { type SignInMethod, startSession } from "../../lib/auth/sessions";
import { createDb, type Db } from "../../lib/db";
import { loadOrCreateDatabaseSecrets, loadOrCreateSecrets } from "../../lib/runtime-secrets";
import { E2E_BASE_URL, E2E_DATA_DIR } from "../../playwright.config";

const SESSION_COOKIE = "authjs.session-token";
let db: Db | undefined;

/** The quick start's embedded database, as `npm start` runs it for the tests (port and password in its data folder). */
function portalDatabase(): Db {
  if (!db) {
    const port = readFileSync(path.join(E2E_DATA_DIR, "postgres", "port"), "utf8").trim();
    const { EMBEDDED_POSTGRES_PASSWORD } = loadOrCreateDatabaseSecrets(E2E_DATA_DIR);
    db = createDb(`postgresql://postgres:${EMBEDDED_POSTGRES_PASSWORD}@127.0.0.1:${port}/trunk_portal`, 2);
  }
  return db;
}

/** Gives the page's browser context a session of the user with this email, as if they had just signed in. */
export async function startSignedIn(page: Page, email: string, via: SignInMethod) {
  const user = await portalDatabase().user.findUniqueOrThrow({ where: { email }, select: { id: true } });
  const sid = await startSession(portalDatabase(), user.id, via, { ip: "127.0.0.1", userAgent: "e2e session fixture" });
  const { AUTH_SECRET } = loadOrCreateSecrets(E2E_DATA_DIR, { NODE_ENV: "test" });
  const value = await encode({
    token: { sub: user.id, sid, authTime: Date.now() },
    secret: AUTH_SECRET,
    salt: SESSION_COOKIE,
  });
  await page
    .context()
    .addCookies([{ name: SESSION_COOKIE, value, url: E2E_BASE_URL, httpOnly: true, sameSite: "Lax" }]);
}
