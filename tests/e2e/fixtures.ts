import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { type Browser, expect, type Page } from "@playwright/test";
import { E2E_ADMIN, E2E_MAIL_DIR } from "../../playwright.config";
import type { ReceivedMail } from "../support/smtp";
import { startSignedIn } from "./sessions";

export { E2E_ADMIN };

export type Credentials = { email: string; password: string };

/**
 * Waits until every registrar answer that streams in behind Suspense is shown. React reveals streamed content a
 * moment after it arrives (and after the page's load event): until then the fallback ("Asking the registrar…") and
 * the hidden answer are both in the document.
 */
export async function registrarAnswered(page: Page, label?: string) {
  await expect(page.locator('[data-state="asking"]'), label).toHaveCount(0, { timeout: 15_000 });
}

/** Signs a staff member in with the session fixture (./sessions) and opens the staff home, where sign-in lands. */
export async function signIn(page: Page, user: Credentials) {
  await startSignedIn(page, user.email, "password");
  await page.goto("/staff");
  await expect(page).toHaveURL(/\/staff$/);
}

/** Signs a staff member in through the sign-in form, for the tests whose subject is signing in. */
export async function signInWithForm(page: Page, user: Credentials) {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/staff$/);
}

/** Signs in as the admin in a fresh browser context and adds a staff member through the Staff page. */
export async function addStaffMember(browser: Browser, role: "ADMIN" | "SALES" | "SUPPORT"): Promise<Credentials> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const user = {
    // Unique even when two workers add one in the same millisecond (the accessibility spec's set-up runs in both).
    email: `${role.toLowerCase()}-${Date.now()}-${randomBytes(3).toString("hex")}@e2e.example`,
    password: `${role.toLowerCase()}-password-123`,
  };
  await signIn(page, E2E_ADMIN);
  await page.goto("/staff/users");
  const form = page.getByRole("form", { name: "Add staff member" });
  await form.getByLabel("Name").fill(`E2E ${role}`);
  await form.getByLabel("Email").fill(user.email);
  await form.getByLabel("Role").selectOption(role);
  await form.getByLabel("Initial password").fill(user.password);
  await form.getByRole("button", { name: "Add staff member" }).click();
  await expect(page.getByRole("status")).toHaveText("Staff user created.");
  await context.close();
  return user;
}

export type { ReceivedMail };

function receivedMail(): ReceivedMail[] {
  return readdirSync(E2E_MAIL_DIR)
    .sort()
    .map((file) => JSON.parse(readFileSync(path.join(E2E_MAIL_DIR, file), "utf8")) as ReceivedMail);
}

export const countMail = (predicate: (mail: ReceivedMail) => boolean) => receivedMail().filter(predicate).length;

/**
 * Waits for a message that the test SMTP server received (tests/e2e/global-setup.ts): the newest match, once more
 * than `seen` messages match.
 */
export async function waitForMail(
  predicate: (mail: ReceivedMail) => boolean,
  { seen = 0, timeoutMs = 30_000 } = {},
): Promise<ReceivedMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = receivedMail();
    const matches = mails.filter(predicate);
    const found = matches.length > seen ? matches.at(-1) : undefined;
    if (found) return found;
    if (Date.now() > deadline)
      throw new Error(`no matching mail; received: ${mails.map((m) => `${m.to}: ${m.subject}`)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export const linkIn = (mail: ReceivedMail, pattern: RegExp) => {
  const match = mail.text.match(pattern);
  if (!match) throw new Error(`no link matching ${pattern} in:\n${mail.text}`);
  return match[0];
};

/** Creates a demo account through the sales form, as the given staff member; returns the trunk page URL. */
export async function createDemoAccountAs(page: Page, company: string, contactEmail: string) {
  await page.goto("/staff/demo/new");
  const form = page.getByRole("form", { name: "New demo account" });
  await form.getByLabel("Company").fill(company);
  await form.getByLabel("Contact name").fill(`${company} Contact`);
  await form.getByLabel("Contact email").fill(contactEmail);
  await form.getByRole("button", { name: "Create demo account" }).click();
  await expect(page).toHaveURL(/\/staff\/trunks\//);
  return page.url();
}

/** Signs a customer in the only way there is: a sign-in link from their email, opened in this page. */
/** Signs a customer user in with the session fixture (./sessions), as their emailed link would, and opens the portal. */
export async function signInCustomer(page: Page, email: string) {
  await startSignedIn(page, email, "email-link");
  await page.goto("/portal");
  await expect(page).toHaveURL(/\/portal$/);
}
