import { expect, test } from "@playwright/test";
import { E2E_SIP_SERVER } from "../../playwright.config";
import {
  addStaffMember,
  type Credentials,
  createDemoAccountAs,
  linkIn,
  signIn,
  signInCustomer,
  waitForMail,
} from "./fixtures";

test.describe.configure({ mode: "serial" });

const stamp = Date.now();
const customerEmail = `owner-${stamp}@customer.example`;
const otherEmail = `other-${stamp}@customer.example`;
let sales: Credentials;
let support: Credentials;
let trunkPath = "";
let otherTrunkId = "";
let username = "";
let firstPassword = "";

test.beforeAll(async ({ browser }) => {
  sales = await addStaffMember(browser, "SALES");
  support = await addStaffMember(browser, "SUPPORT");
});

test("sales creates a demo account and the customer receives their credentials", async ({ page }) => {
  await signIn(page, sales);
  const url = await createDemoAccountAs(page, "Journey Widgets", customerEmail);
  trunkPath = new URL(url).pathname;
  username = (await page.getByTestId("sip-username").textContent()) ?? "";
  otherTrunkId = new URL(await createDemoAccountAs(page, "Other Tenant", otherEmail)).pathname.split("/").pop() ?? "";

  const mail = await waitForMail((m) => m.to === customerEmail && m.subject === "Your SIP trunk is ready");
  expect(mail.text).toContain(`SIP server: ${E2E_SIP_SERVER}`);
  expect(mail.text).toContain(`SIP username: ${username}`);
  expect(mail.text).toContain("case-sensitive");
  expect(mail.text).not.toMatch(/SIP password:/);

  // The one-time link from the email shows the password once, then explains that it was used.
  await page.goto(linkIn(mail, /http:\/\/localhost:\d+\/reveal\/[\w-]+/));
  await page.getByRole("button", { name: "Show my SIP password" }).click();
  firstPassword = (await page.getByTestId("revealed-password").textContent()) ?? "";
  expect(firstPassword).toMatch(/^.{24}$/);
  await page.reload();
  await expect(page.getByRole("heading", { name: "This link was already used" })).toBeVisible();
});

test("the customer signs in with a magic link and sees, copies and reveals their credentials", async ({
  page,
  context,
  browser,
}) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.goto("/portal");
  await expect(page).toHaveURL(/\/portal\/sign-in$/);
  await page.getByRole("textbox", { name: "Email" }).fill(customerEmail);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();

  const mail = await waitForMail((m) => m.to === customerEmail && m.subject.startsWith("Sign in"));
  const link = linkIn(mail, /http:\/\/localhost:\d+\/api\/auth\/callback\/email\?\S+/);
  await page.goto(link);
  await expect(page).toHaveURL(/\/portal$/);
  await expect(page.getByRole("heading", { name: "Journey Widgets" })).toBeVisible();

  // The link works once.
  const elsewhere = await browser.newPage();
  await elsewhere.goto(link);
  await expect(elsewhere.getByText("That sign-in link has expired or was already used.")).toBeVisible();
  await elsewhere.close();

  await page.getByRole("link", { name: "Credentials, settings and setup help" }).click();
  await expect(page.getByTestId("sip-server")).toHaveText(E2E_SIP_SERVER);
  await page.getByRole("button", { name: `Copy SIP server ${E2E_SIP_SERVER}` }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(E2E_SIP_SERVER);
  await page.getByRole("button", { name: "Reveal password" }).click();
  await expect(page.getByTestId("sip-password")).toHaveText(firstPassword);

  // Setup help and expected packets carry this trunk's own values.
  await expect(page.getByRole("heading", { name: "Asterisk (PJSIP)" })).toBeVisible();
  await expect(page.getByText(`server_uri=sip:${E2E_SIP_SERVER}`)).toBeVisible();
  await expect(page.getByText(`REGISTER sip:${E2E_SIP_SERVER} SIP/2.0`)).toBeVisible();
  await page.screenshot({ path: "tests/artifacts/customer-trunk-page.png", fullPage: true });

  // Another customer's trunk does not exist, as far as this customer can tell; staff pages are off limits.
  expect((await page.request.get(`/portal/trunks/${otherTrunkId}`, { maxRedirects: 0 })).status()).toBe(404);
  for (const path of [
    "/staff/customers",
    trunkPath,
    "/staff/users",
    "/staff/mail",
    "/staff/registrar",
    "/staff/audit",
  ]) {
    expect((await page.request.get(path, { maxRedirects: 0 })).status(), path).toBe(403);
  }
});

test("support resets the password; the customer is emailed and the old password is gone", async ({ browser }) => {
  const staff = await browser.newPage();
  await signIn(staff, support);
  await staff.goto("/staff/customers");
  await staff.getByLabel(/Search/).fill(username);
  await staff.getByRole("button", { name: "Search" }).click();
  await staff.getByRole("link", { name: "Journey Widgets" }).click();
  await staff.getByRole("link", { name: username }).click();
  staff.once("dialog", (dialog) => dialog.accept());
  await staff.getByRole("button", { name: "Reset SIP password" }).click();
  // Whether the registrar has confirmed it yet or not (the page follows it by itself).
  await expect(staff.getByRole("form", { name: "Reset SIP password" }).getByRole("status")).toContainText(
    "A new SIP password was generated",
  );

  // The customer's sign-in and password reveal are in the audit log, with where they came from.
  await staff.goto(`/staff/audit?actor=${encodeURIComponent(customerEmail)}`);
  const log = staff.getByRole("table", { name: "Audit log" });
  await expect(log.getByRole("row").filter({ hasText: "auth.sign-in" })).toContainText("via: email-link");
  await expect(log.getByRole("row").filter({ hasText: "trunk.reveal-password" })).toContainText("via: customer");

  const mail = await waitForMail(
    (m) => m.to === customerEmail && m.subject === `Your SIP password was reset (${username})`,
  );
  expect(mail.text).toContain("The old password no longer works");

  const customer = await browser.newPage();
  await signInCustomer(customer, customerEmail);
  await customer.goto(`/portal/trunks/${trunkPath.split("/").pop()}`);
  await customer.getByRole("button", { name: "Reveal password" }).click();
  const newPassword = await customer.getByTestId("sip-password").textContent();
  expect(newPassword).toMatch(/^.{24}$/);
  expect(newPassword).not.toBe(firstPassword);
  await expect(customer.getByText(firstPassword)).toHaveCount(0);
});
