import { expect, test } from "@playwright/test";
import { addStaffMember, type Credentials, E2E_ADMIN, signIn } from "./fixtures";

test.describe.configure({ mode: "serial" });

type Role = "ADMIN" | "SALES" | "SUPPORT";
const users = new Map<Role, Credentials>();
let customerId = "";
let trunkId = "";
let mailId = "";

/** Every staff page and who may open it (the product brief's roles). */
const ROUTES: { path: () => string; allowed: Role[] }[] = [
  { path: () => "/staff/customers", allowed: ["ADMIN", "SALES", "SUPPORT"] },
  { path: () => "/staff/customers/new", allowed: ["ADMIN", "SALES"] },
  { path: () => `/staff/customers/${customerId}`, allowed: ["ADMIN", "SALES", "SUPPORT"] },
  { path: () => `/staff/customers/${customerId}/edit`, allowed: ["ADMIN", "SALES"] },
  { path: () => `/staff/customers/${customerId}/trunks/new`, allowed: ["ADMIN", "SALES"] },
  { path: () => "/staff/demo/new", allowed: ["ADMIN", "SALES"] },
  { path: () => `/staff/trunks/${trunkId}`, allowed: ["ADMIN", "SALES", "SUPPORT"] },
  { path: () => `/staff/trunks/${trunkId}/edit`, allowed: ["ADMIN", "SALES"] },
  { path: () => `/staff/trunks/${trunkId}/packet-check`, allowed: ["ADMIN", "SALES", "SUPPORT"] },
  { path: () => `/staff/trunks/${trunkId}/calls`, allowed: ["ADMIN", "SALES", "SUPPORT"] },
  { path: () => "/staff/users", allowed: ["ADMIN"] },
  { path: () => "/staff/servers", allowed: ["ADMIN"] },
  { path: () => "/staff/settings", allowed: ["ADMIN"] },
  { path: () => "/staff/audit", allowed: ["ADMIN", "SUPPORT"] },
  { path: () => "/staff/mail", allowed: ["ADMIN", "SUPPORT"] },
  { path: () => `/staff/mail/${mailId}`, allowed: ["ADMIN", "SUPPORT"] },
  { path: () => "/staff/registrar", allowed: ["ADMIN", "SUPPORT"] },
];

test.beforeAll(async ({ browser }) => {
  users.set("ADMIN", E2E_ADMIN);
  users.set("SALES", await addStaffMember(browser, "SALES"));
  users.set("SUPPORT", await addStaffMember(browser, "SUPPORT"));
  const page = await (await browser.newContext()).newPage();
  await signIn(page, E2E_ADMIN);
  await page.goto("/staff/demo/new");
  const form = page.getByRole("form", { name: "New demo account" });
  await form.getByLabel("Company").fill("Matrix Test Co");
  await form.getByLabel("Contact name").fill("Neo");
  await form.getByLabel("Contact email").fill(`neo-${Date.now()}@matrix.example`);
  await form.getByRole("button", { name: "Create demo account" }).click();
  await expect(page).toHaveURL(/\/staff\/trunks\//);
  trunkId = page.url().split("/").pop() ?? "";
  customerId = (await page.getByRole("link", { name: "Matrix Test Co" }).getAttribute("href"))?.split("/").pop() ?? "";
  await page.goto("/staff/mail");
  mailId =
    (await page.getByRole("link", { name: "Your SIP trunk is ready" }).first().getAttribute("href"))
      ?.split("/")
      .pop() ?? "";
  await page.context().close();
});

test("signed-out visitors are redirected to sign-in from every staff page", async ({ request }) => {
  for (const route of ROUTES) {
    const response = await request.get(route.path(), { maxRedirects: 0 });
    expect(response.status(), route.path()).toBe(307);
    expect(response.headers().location, route.path()).toMatch(/\/sign-in$/);
  }
});

for (const role of ["ADMIN", "SALES", "SUPPORT"] as Role[]) {
  test(`${role} gets exactly the pages the policy allows`, async ({ page }) => {
    await signIn(page, users.get(role) as Credentials);
    for (const route of ROUTES) {
      const response = await page.request.get(route.path(), { maxRedirects: 0 });
      expect(response.status(), `${role} ${route.path()}`).toBe(route.allowed.includes(role) ? 200 : 403);
    }
  });
}

test("unknown customer and trunk ids give 404, not 500", async ({ page }) => {
  await signIn(page, E2E_ADMIN);
  for (const path of ["/staff/customers/nope", "/staff/trunks/nope", "/staff/trunks/nope/edit"]) {
    const response = await page.request.get(path, { maxRedirects: 0 });
    expect(response.status(), path).toBe(404);
  }
});
