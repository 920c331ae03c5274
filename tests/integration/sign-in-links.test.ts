import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../lib/db";
import { createActor, createPortalDatabase, startTestWorker } from "../support/portal";
import { TestSmtpServer } from "../support/smtp";

// The portal's real address; requests below claim to be for another host.
const PORTAL_URL = "https://portal.provider.example";
const ATTACKER = "attacker.example";

let db: Db;
let smtp: TestSmtpServer;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let handlers: typeof import("../../lib/auth/route-handlers");

beforeAll(async () => {
  const created = await createPortalDatabase("links");
  db = created.db;
  // The app's own configuration, read when Auth.js first runs in this process.
  process.env.DATABASE_URL = created.url;
  process.env.PORTAL_URL = PORTAL_URL;
  smtp = await new TestSmtpServer().start();
  worker = await startTestWorker({ db, url: created.url, smtpUrl: smtp.url });
  handlers = await import("../../lib/auth/route-handlers");
});
afterAll(async () => {
  await worker?.stop();
  await smtp?.stop();
  await db?.$disconnect();
});

/**
 * Asks Auth.js for a customer sign-in link the way a browser form (or a script) does: CSRF token, then POST. Every
 * header that names a host says `host`: the attacker's, in a poisoning attempt.
 */
async function requestSignInLink(email: string, host = ATTACKER) {
  const forgedHeaders = (extra: Record<string, string> = {}) => ({
    host,
    "x-forwarded-host": host,
    "x-forwarded-proto": "https",
    origin: `https://${host}`,
    ...extra,
  });
  const csrf = await handlers.GET(new NextRequest(`https://${host}/api/auth/csrf`, { headers: forgedHeaders() }));
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookie = csrf.headers
    .getSetCookie()
    .map((line) => line.split(";")[0])
    .join("; ");
  const response = await handlers.POST(
    new NextRequest(`https://${host}/api/auth/signin/email`, {
      method: "POST",
      headers: forgedHeaders({ cookie, "content-type": "application/x-www-form-urlencoded" }),
      body: new URLSearchParams({ email, csrfToken, callbackUrl: `https://${host}/portal` }),
    }),
  );
  return { status: response.status, location: response.headers.get("location") };
}

describe("customer sign-in links", () => {
  it("are built on PORTAL_URL whatever host the request names", async () => {
    const customer = await createActor(db, "CUSTOMER");
    await requestSignInLink(customer.email);
    const [mail] = await smtp.waitFor((mails) => mails.some((m) => m.to === customer.email));
    const link = mail?.text.match(/https?:\/\/\S+\/api\/auth\/callback\/email\?\S+/)?.[0] ?? "";
    expect(link.startsWith(`${PORTAL_URL}/api/auth/callback/email?`)).toBe(true);
    expect(new URL(link).searchParams.get("callbackUrl")).toBe(`${PORTAL_URL}/portal`);
    expect(mail?.text).not.toContain(ATTACKER);
    expect(mail?.html).not.toContain(ATTACKER);
  });

  it("are asked for with the same answer whether or not the address is a customer's", async () => {
    const customer = await createActor(db, "CUSTOMER");
    const staff = await createActor(db, "SUPPORT");
    const portalHost = new URL(PORTAL_URL).host;
    const answers = [
      await requestSignInLink(customer.email, portalHost),
      await requestSignInLink(staff.email, portalHost),
      await requestSignInLink("nobody-at-all@example.com", portalHost),
    ];
    expect(answers[0]?.status).toBe(302);
    expect(answers[0]?.location).toBe(`${PORTAL_URL}/api/auth/verify-request?provider=email&type=email`);
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    // Only the customer got a link, and only the customer's token was stored.
    await smtp.waitFor((mails) => mails.some((m) => m.to === customer.email));
    expect(await db.mail.count({ where: { to: { in: [staff.email, "nobody-at-all@example.com"] } } })).toBe(0);
    const others = { in: [staff.email, "nobody-at-all@example.com"] };
    expect(await db.verificationToken.count({ where: { identifier: others } })).toBe(0);
  });
});
