import { expect, test } from "@playwright/test";
import { E2E_SIP_SERVER } from "../../playwright.config";
import { addStaffMember, type Credentials, signIn, signInWithForm } from "./fixtures";

test.describe.configure({ mode: "serial" });

let sales: Credentials;
let trunkUrl: string;

test("an admin creates a sales user", async ({ browser }) => {
  sales = await addStaffMember(browser, "SALES");
});

test("the sales user creates a demo account and sees the trunk's exact credentials", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await signInWithForm(page, sales);
  await page.getByRole("link", { name: "New demo account" }).first().click();

  // Bad input is explained next to each field and nothing typed is lost.
  const form = page.getByRole("form", { name: "New demo account" });
  await form.getByLabel("Company").fill("Acme Rockets");
  await form.getByLabel("Contact name").fill("Wile Coyote");
  await form.getByLabel("Contact email").fill("not-an-email");
  await form.getByRole("button", { name: "Create demo account" }).click();
  await expect(form.getByText("Enter a valid email address.")).toBeVisible();
  await expect(form.getByLabel("Company")).toHaveValue("Acme Rockets");

  await form.getByLabel("Contact email").fill("wile@acme-rockets.example");
  await form.getByRole("button", { name: "Create demo account" }).click();
  await expect(page).toHaveURL(/\/staff\/trunks\//);
  trunkUrl = page.url();

  const username = await page.getByTestId("sip-username").textContent();
  expect(username).toMatch(/^acmerock\d{6}$/);
  await expect(page.getByTestId("sip-server")).toHaveText(E2E_SIP_SERVER);
  await expect(page.getByRole("note")).toContainText("case-sensitive");
  await expect(page.getByText("5 concurrent calls")).toBeVisible();
  await expect(page.getByText("Calls to US numbers only.")).toBeVisible();
  await expect(page.getByText("Every outbound call, 911 included, shows +12025550100")).toBeVisible();

  await page.getByRole("button", { name: `Copy SIP server ${E2E_SIP_SERVER}` }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(E2E_SIP_SERVER);

  await expect(page.getByTestId("sip-password")).toHaveCount(0);
  await page.getByRole("button", { name: "Reveal password" }).click();
  const password = page.getByTestId("sip-password");
  await expect(password).toHaveText(/^[A-Za-z0-9!*+\-_.]{24}$/);

  await page.screenshot({ path: "tests/artifacts/trunk-page.png", fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "tests/artifacts/trunk-page-phone.png", fullPage: true });
  // On the phone the page fits its width (nothing to scroll sideways) and the navigation is one tap away.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.locator("summary", { hasText: "Menu" }).click();
  await expect(page.getByRole("navigation", { name: "Staff" }).getByRole("link", { name: "Trunks" })).toBeVisible();
});

test("bad input is a message on the field, never a stuck trunk or an error page", async ({ page }) => {
  await signIn(page, sales);
  await page.goto(`${trunkUrl}/edit`);
  const form = page.getByRole("form", { name: "Edit trunk" });
  // A tab would reach the SIP display name: the registrar would refuse the trunk, so the form does.
  await form.getByLabel("Forced caller ID name (optional)").fill("Front\tDesk");
  await form.getByRole("button", { name: "Save settings" }).click();
  await expect(form.getByText("Remove the tabs, line breaks or other invisible control characters.")).toBeVisible();
  await expect(page).toHaveURL(/\/edit$/);

  // A NUL in the search box finds nothing; it does not reach the database.
  const response = await page.goto("/staff/customers?q=Acme%00Rockets");
  expect(response?.status()).toBe(200);
  await expect(page.getByText(/^0 customers matching/)).toBeVisible();
});

test("a suspended account is offered no new trunk until it is active again", async ({ page }) => {
  await signIn(page, sales);
  await page.goto("/staff/customers?q=Acme%20Rockets");
  await page.getByRole("link", { name: "Acme Rockets" }).first().click();
  await expect(page.getByRole("heading", { name: "Acme Rockets", level: 1 })).toBeVisible();
  const customerUrl = page.url();
  const setStatus = async (status: string) => {
    await page.goto(`${customerUrl}/edit`);
    const form = page.getByRole("form", { name: "Edit customer" });
    await form.getByLabel("Status").selectOption(status);
    await form.getByRole("button", { name: "Save customer" }).click();
    await expect(page).toHaveURL(customerUrl);
  };

  await setStatus("SUSPENDED");
  await expect(page.getByRole("link", { name: "Add trunk" })).toHaveCount(0);
  // A bookmarked form says why, instead of a form that cannot succeed.
  await page.goto(`${customerUrl}/trunks/new`);
  await expect(page.getByRole("status")).toHaveText(
    "This account is suspended: set it active again before adding trunks.",
  );
  await expect(page.getByRole("form", { name: "New trunk" })).toHaveCount(0);

  await setStatus("ACTIVE");
  await expect(page.getByRole("link", { name: "Add trunk" })).toBeVisible();
});

test("the sales user cannot open staff, server or settings pages", async ({ page }) => {
  await signIn(page, sales);
  for (const path of ["/staff/users", "/staff/servers", "/staff/settings", "/staff/audit"]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(403);
    await expect(page.getByRole("heading", { name: "You do not have access to this page" })).toBeVisible();
  }
  await expect(page.getByRole("navigation", { name: "Staff" }).getByRole("link", { name: "Settings" })).toHaveCount(0);
});

test("signed-out visitors are sent to sign-in", async ({ page }) => {
  for (const path of ["/", "/staff/customers", "/staff/demo/new", "/staff/settings"]) {
    await page.goto(path);
    await expect(page, path).toHaveURL(/\/sign-in$/);
  }
});

test("a wrong password is refused without saying which part was wrong", async ({ page }) => {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(sales.email);
  await page.getByLabel("Password").fill("wrong-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("form", { name: "Sign in" }).getByRole("alert")).toHaveText("Wrong email or password.");
  await expect(page.getByLabel("Email")).toHaveValue(sales.email);
});
