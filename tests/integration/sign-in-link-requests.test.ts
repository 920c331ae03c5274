/**
 * Whose address it is must not show in how a sign-in link request is answered, nor in how long it takes: the request
 * does the same work for a customer, a staff member and a stranger (one queued job), and the job decides. Timing
 * itself is too noisy to assert; what the request wrote is not. (With the link written during the request, a
 * customer's address took about twice as long to answer as a stranger's.)
 */
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SIGN_IN_LINK_TASK, sendSignInLink } from "../../lib/auth/sign-in-links";
import { open } from "../../lib/credentials/encryption";
import { credentialKeyring } from "../../lib/credentials/keyring";
import type { Db } from "../../lib/db";
import { createActor, createPortalDatabase, takeQueuedJobs } from "../support/portal";

const PORTAL_URL = "https://portal.provider.example";
let db: Db;
let handlers: typeof import("../../lib/auth/route-handlers");

beforeAll(async () => {
  const created = await createPortalDatabase("linkrequests");
  db = created.db;
  process.env.DATABASE_URL = created.url;
  process.env.PORTAL_URL = PORTAL_URL;
  handlers = await import("../../lib/auth/route-handlers");
});
afterAll(() => db?.$disconnect());

const portalRequest = (path: string, init: ConstructorParameters<typeof NextRequest>[1] = {}) =>
  new NextRequest(`${PORTAL_URL}${path}`, init);

/** The sign-in form's request, as a browser sends it: CSRF token, then POST. */
async function requestSignInLink(email: string) {
  const csrf = await handlers.GET(portalRequest("/api/auth/csrf"));
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookie = csrf.headers
    .getSetCookie()
    .map((line) => line.split(";")[0])
    .join("; ");
  const response = await handlers.POST(
    portalRequest("/api/auth/signin/email", {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email, csrfToken, callbackUrl: `${PORTAL_URL}/portal` }),
    }),
  );
  return { status: response.status, location: response.headers.get("location") };
}

const takeQueuedLinkRequests = () => takeQueuedJobs<{ email: string }>(db, SIGN_IN_LINK_TASK);

describe("asking for a customer sign-in link", () => {
  it("does the same work whoever the address belongs to, and only the job sends a customer a link", async () => {
    const customer = await createActor(db, "CUSTOMER");
    const staff = await createActor(db, "ADMIN");
    const addresses = [customer.email, staff.email, "nobody-at-all@example.com"];
    const written = async () => ({
      mail: await db.mail.count(),
      tokens: await db.verificationToken.count(),
      audit: await db.auditLog.count(),
    });
    const before = await written();
    const answers = [];
    for (const email of addresses) answers.push(await requestSignInLink(email));
    expect(answers[0]).toEqual({
      status: 302,
      location: `${PORTAL_URL}/api/auth/verify-request?provider=email&type=email`,
    });
    expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
    expect(await written()).toEqual(before);
    const jobs = await takeQueuedLinkRequests();
    expect(jobs.map((job) => job.email)).toEqual(addresses);

    // The worker's turn (lib/jobs/tasks.ts): a link for the customer only, and it signs them in.
    for (const job of jobs) await sendSignInLink(db, job.email);
    const mails = await db.mail.findMany({ where: { kind: "auth.sign-in-link" } });
    expect(mails.map((mail) => mail.to)).toEqual([customer.email]);
    const [mail] = mails;
    const { signInUrl } = JSON.parse(
      open(
        credentialKeyring(),
        { ciphertext: mail?.secretsSealed ?? "", keyId: mail?.secretsKeyId ?? "" },
        `mail:${mail?.id}`,
      ),
    ) as { signInUrl: string };
    expect(signInUrl.startsWith(`${PORTAL_URL}/api/auth/callback/email?`)).toBe(true);
    // What Auth.js looks up is its own hash of the link's token: a tampered token finds nothing, the real one is
    // found and used up. (Starting the session needs a Next.js request scope: the end-to-end tests open links.)
    const openLink = (url: URL) => handlers.GET(portalRequest(`${url.pathname}${url.search}`));
    const tampered = new URL(signInUrl);
    tampered.searchParams.set("token", "0".repeat(64));
    expect((await openLink(tampered)).headers.get("location")).toMatch(/\/portal\/sign-in\?error=Verification$/);
    expect(await db.verificationToken.count({ where: { identifier: customer.email } })).toBe(1);
    await openLink(new URL(signInUrl));
    expect(await db.verificationToken.count({ where: { identifier: customer.email } })).toBe(0);
  });

  it("answers an address with a NUL like any other, without sending it to PostgreSQL", async () => {
    const customer = await createActor(db, "CUSTOMER");
    const plain = await requestSignInLink("someone-else@example.com");
    for (const email of [`${customer.email}\u0000`, `x\u0000@example.com`]) {
      expect(await requestSignInLink(email)).toEqual(plain);
    }
    for (const job of await takeQueuedLinkRequests()) {
      await expect(sendSignInLink(db, job.email)).resolves.toBeUndefined();
    }
    expect(await db.mail.count({ where: { to: customer.email } })).toBe(0);
  });
});
