import { type BrowserContext, expect, type Page, test } from "@playwright/test";
import { totpCode } from "../support/totp";
import { addStaffMember, type Credentials, E2E_ADMIN, linkIn, signInWithForm, waitForMail } from "./fixtures";

test.describe.configure({ mode: "serial" });

/** An admin who turns on two-factor authentication in the first test; their browser stays signed in. */
let admin: Credentials;
let adminContext: BrowserContext;
let adminPage: Page;
let totpKey = "";
let recoveryCodes: string[] = [];

test.beforeAll(async ({ browser }) => {
  admin = await addStaffMember(browser, "ADMIN");
  adminContext = await browser.newContext();
  adminPage = await adminContext.newPage();
  await signInWithForm(adminPage, admin);
});
test.afterAll(async () => {
  await adminContext?.close();
});

/** Email and password on the sign-in page; with 2FA on, the browser is then asked for a code. */
async function enterPassword(page: Page, user: Credentials) {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("an admin turns on two-factor authentication with the key shown on the page", async () => {
  await adminPage.getByRole("link", { name: "My account" }).click();
  await adminPage.getByRole("link", { name: "Set up two-factor authentication" }).click();
  await adminPage.getByRole("button", { name: "Set up an authenticator app" }).click();
  await expect(adminPage.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
  totpKey = ((await adminPage.getByTestId("totp-key").textContent()) ?? "").replace(/\s/g, "");
  expect(totpKey).toMatch(/^[A-Z2-7]{32}$/);

  // A wrong code does not turn it on; the app's current code does.
  await adminPage.getByLabel("Code from the app").fill(totpCode(totpKey, Date.now() - 5 * 60_000));
  await adminPage.getByRole("button", { name: "Turn on two-factor authentication" }).click();
  await expect(
    adminPage.getByRole("form", { name: "Confirm two-factor authentication" }).getByRole("alert"),
  ).toHaveText(/That code is not right\./);
  await adminPage.getByLabel("Code from the app").fill(totpCode(totpKey));
  await adminPage.getByRole("button", { name: "Turn on two-factor authentication" }).click();
  const codes = adminPage.getByTestId("recovery-codes").getByRole("listitem");
  await expect(codes).toHaveCount(10);
  recoveryCodes = await codes.allTextContents();
  await adminPage.screenshot({ path: "tests/artifacts/two-factor-recovery-codes.png", fullPage: true });
  await adminPage.goto("/staff/account");
  await expect(adminPage.getByText("10 of 10 recovery codes left")).toBeVisible();
});

test("signing in then asks for a code from the app", async ({ page }) => {
  await enterPassword(page, admin);
  await expect(page).toHaveURL(/\/sign-in\/two-factor$/);
  await page.getByLabel("Authentication code").fill("000000");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByText("That code is not right, or was already used.")).toBeVisible();
  // The next 30-second step's code: the one used to turn 2FA on cannot be used again.
  await page.getByLabel("Authentication code").fill(totpCode(totpKey, Date.now(), 1));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(/\/staff$/);
});

test("a recovery code signs in once; the second time it is refused", async ({ browser }) => {
  const code = recoveryCodes[0] ?? "";
  for (const outcome of ["signed in", "refused"]) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await enterPassword(page, admin);
    await page.getByLabel("Authentication code").fill(code);
    await page.getByRole("button", { name: "Verify" }).click();
    if (outcome === "signed in") await expect(page).toHaveURL(/\/staff$/);
    else await expect(page.getByText("That code is not right, or was already used.")).toBeVisible();
    await context.close();
  }
  await adminPage.goto("/staff/account");
  await expect(adminPage.getByText("9 of 10 recovery codes left")).toBeVisible();
});

test("a password change ends the session in another browser, and a sign-out ends a copied cookie", async ({
  browser,
}) => {
  const sales = await addStaffMember(browser, "SALES");
  const [here, elsewhere, copy] = await Promise.all([browser.newContext(), browser.newContext(), browser.newContext()]);
  const herePage = await here.newPage();
  const elsewherePage = await elsewhere.newPage();
  await signInWithForm(herePage, sales);
  await signInWithForm(elsewherePage, sales);
  await copy.addCookies(await elsewhere.cookies());
  const copyPage = await copy.newPage();
  await copyPage.goto("/staff/customers");
  await expect(copyPage).toHaveURL(/\/staff\/customers$/);

  await herePage.goto("/staff/account");
  const form = herePage.getByRole("form", { name: "Change password" });
  await form.getByLabel("Current password").fill(sales.password);
  await form.getByLabel("New password", { exact: true }).fill("a brand new staff passphrase");
  await form.getByLabel("New password again").fill("a brand new staff passphrase");
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(herePage.getByRole("status")).toHaveText("Password changed. Your other sessions were signed out.");

  for (const page of [elsewherePage, copyPage]) {
    await page.goto("/staff/customers");
    await expect(page).toHaveURL(/\/sign-in$/);
  }
  await herePage.goto("/staff/customers");
  await expect(herePage).toHaveURL(/\/staff\/customers$/);

  // Signing out ends the session for a copy of its cookie too.
  const copyOfHere = await browser.newContext();
  await copyOfHere.addCookies(await here.cookies());
  await herePage.getByRole("button", { name: "Sign out" }).click();
  await expect(herePage).toHaveURL(/\/sign-in$/);
  const copyOfHerePage = await copyOfHere.newPage();
  await copyOfHerePage.goto("/staff/customers");
  await expect(copyOfHerePage).toHaveURL(/\/sign-in$/);
  for (const context of [here, elsewhere, copy, copyOfHere]) await context.close();
});

test("a client's X-Forwarded-For does not reach the audit log", async ({ browser }) => {
  const sales = await addStaffMember(browser, "SALES");
  // Also the header the portal's own server uses to pass on the peer address.
  const forged = await browser.newContext({
    extraHTTPHeaders: { "X-Forwarded-For": "198.51.100.66", "X-Trunk-Portal-Peer": "198.51.100.67" },
  });
  await signInWithForm(await forged.newPage(), sales);
  await forged.close();
  await adminPage.goto(`/staff/audit?actor=${encodeURIComponent(sales.email)}&action=auth.sign-in`);
  const row = adminPage.getByRole("table", { name: "Audit log" }).getByRole("row").filter({ hasText: "auth.sign-in" });
  await expect(row).toHaveCount(1);
  await expect(row).not.toContainText("198.51.100.66");
  await expect(row).not.toContainText("198.51.100.67");
  await expect(row).toContainText(/::1|127\.0\.0\.1/);
});

test("a forgotten password is reset with a single-use link from the email", async ({ browser, page }) => {
  const support = await addStaffMember(browser, "SUPPORT");
  await page.goto("/sign-in");
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await page.getByLabel("Email").fill(support.email);
  await page.getByRole("button", { name: "Email me a reset link" }).click();
  await expect(page.getByRole("status")).toContainText("If that address belongs to a staff account");
  const mail = await waitForMail((m) => m.to === support.email && m.subject === "Reset your Trunk Portal password");
  const link = linkIn(mail, /http:\/\/localhost:\d+\/reset-password\/[\w-]+/);

  await page.goto(link);
  await page.getByLabel("New password", { exact: true }).fill("password12345");
  await page.getByLabel("New password again").fill("password12345");
  await page.getByRole("button", { name: "Set my new password" }).click();
  await expect(page.getByText("This password is too common.")).toBeVisible();
  const fresh = { email: support.email, password: "quiet meadow 19 lantern" };
  await page.getByLabel("New password", { exact: true }).fill(fresh.password);
  await page.getByLabel("New password again").fill(fresh.password);
  await page.getByRole("button", { name: "Set my new password" }).click();
  await expect(page.getByRole("status")).toContainText("Your password was changed");
  await signInWithForm(page, fresh);

  await page.goto(link);
  await expect(page.getByText("This reset link was already used.")).toBeVisible();
});

test("staff who must use two-factor authentication are sent to set it up after signing in", async ({ browser }) => {
  const sales = await addStaffMember(browser, "SALES");
  const setRequirement = async (label: string) => {
    await adminPage.goto("/staff/settings");
    const form = adminPage.getByRole("form", { name: "Two-factor requirement" });
    await form.getByLabel("Require two-factor authentication for").selectOption({ label });
    await form.getByRole("button", { name: "Save requirement" }).click();
    await expect(form.getByRole("status")).toHaveText("Two-factor requirement saved.");
  };
  await setRequirement("All staff");
  try {
    const page = await (await browser.newContext()).newPage();
    await enterPassword(page, sales);
    await expect(page).toHaveURL(/\/account\/two-factor$/);
    await expect(page.getByText("Your administrator requires two-factor authentication.")).toBeVisible();
    await page.goto("/staff/customers");
    await expect(page).toHaveURL(/\/account\/two-factor$/);
    await page.close();
  } finally {
    await setRequirement("Nobody (each staff member may turn it on)");
  }
  // The admin without 2FA is not affected once the requirement is lifted.
  const page = await (await browser.newContext()).newPage();
  await signInWithForm(page, E2E_ADMIN);
});
