import { type Browser, expect, type Page } from "@playwright/test";
import { E2E_ADMIN } from "../../playwright.config";

export { E2E_ADMIN };

export type Credentials = { email: string; password: string };

export async function signIn(page: Page, user: Credentials) {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/staff\/customers/);
}

/** Signs in as the admin in a fresh browser context and adds a staff member through the Staff page. */
export async function addStaffMember(browser: Browser, role: "ADMIN" | "SALES" | "SUPPORT"): Promise<Credentials> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const user = {
    email: `${role.toLowerCase()}-${Date.now()}@e2e.example`,
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
