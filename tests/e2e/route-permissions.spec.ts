import { type APIResponse, expect, test } from "@playwright/test";
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
  { path: () => "/staff/users", allowed: ["ADMIN"] },
  { path: () => "/staff/servers", allowed: ["ADMIN"] },
  { path: () => "/staff/settings", allowed: ["ADMIN"] },
  { path: () => "/staff/audit", allowed: ["ADMIN", "SUPPORT"] },
  { path: () => "/staff/mail", allowed: ["ADMIN", "SUPPORT"] },
  { path: () => `/staff/mail/${mailId}`, allowed: ["ADMIN", "SUPPORT"] },
  { path: () => "/staff/registrar", allowed: ["ADMIN", "SUPPORT"] },
  { path: () => "/staff/account", allowed: ["ADMIN", "SALES", "SUPPORT"] },
];

/** Pages anyone may open, and whether their address carries a secret link (no Referer may leave them). */
const PUBLIC_ROUTES: { path: string; secretLink: boolean }[] = [
  { path: "/sign-in", secretLink: false },
  { path: "/sign-in/two-factor", secretLink: false },
  { path: "/forgot-password", secretLink: false },
  { path: "/portal/sign-in", secretLink: false },
  { path: "/portal/sign-in/check-email", secretLink: false },
  { path: "/reveal/not-a-real-token", secretLink: true },
  { path: "/reset-password/not-a-real-token", secretLink: true },
  { path: "/api/auth/csrf", secretLink: false },
  { path: "/api/auth/callback/email?token=x&email=x%40example.com", secretLink: true },
  { path: "/no-such-page", secretLink: false },
  // The portal has no icon: the browser's request gets the HTML not-found page, which must not be frameable either.
  { path: "/favicon.ico", secretLink: false },
  { path: "/_next/image?url=%2Fx.png&w=64&q=75", secretLink: false },
];

/** The security headers every response carries, whatever its status (issue 8). */
function expectSecurityHeaders(response: APIResponse, label: string, secretLink = false) {
  const headers = response.headers();
  const csp = headers["content-security-policy"] ?? "";
  expect(csp, label).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{16,}' 'strict-dynamic'/);
  expect(csp, label).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  expect(csp, label).toContain("frame-ancestors 'none'");
  expect(headers["x-content-type-options"], label).toBe("nosniff");
  expect(headers["x-frame-options"], label).toBe("DENY");
  expect(headers["permissions-policy"], label).toContain("camera=()");
  expect(headers["referrer-policy"], label).toBe(secretLink ? "no-referrer" : "strict-origin-when-cross-origin");
  // PORTAL_URL is http:// in these tests: no HSTS (the https case is a unit test).
  expect(headers["strict-transport-security"], label).toBeUndefined();
}

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
    expectSecurityHeaders(response, route.path());
  }
});

test("public pages, link pages and the auth API send the security headers", async ({ request }) => {
  for (const route of PUBLIC_ROUTES) {
    expectSecurityHeaders(await request.get(route.path, { maxRedirects: 0 }), route.path, route.secretLink);
  }
});

test("pages run under the Content-Security-Policy without a single violation", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  await signIn(page, E2E_ADMIN);
  for (const route of ROUTES) {
    await page.goto(route.path());
    await expect(page.getByRole("navigation", { name: "Staff" }), route.path()).toBeVisible();
  }
  // Client code runs: a form with a confirm() prompt only works with its script.
  await page.goto(`/staff/trunks/${trunkId}`);
  let asked = false;
  page.once("dialog", (dialog) => {
    asked = true;
    void dialog.dismiss();
  });
  await page.getByRole("button", { name: "Reset SIP password" }).click();
  expect(asked).toBe(true);
  expect(violations).toEqual([]);
});

for (const role of ["ADMIN", "SALES", "SUPPORT"] as Role[]) {
  test(`${role} gets exactly the pages the policy allows`, async ({ page }) => {
    await signIn(page, users.get(role) as Credentials);
    for (const route of ROUTES) {
      const response = await page.request.get(route.path(), { maxRedirects: 0 });
      expect(response.status(), `${role} ${route.path()}`).toBe(route.allowed.includes(role) ? 200 : 403);
      expectSecurityHeaders(response, `${role} ${route.path()}`);
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

test("audit filters the database cannot take are ignored, not a 500", async ({ page }) => {
  await signIn(page, E2E_ADMIN);
  // A six-digit year fits a date field (Chromium takes up to 275760); ids past 64 bits fit an address bar.
  for (const query of ["from=275760-09-13", "to=0000-01-01", "from=-001000-01-01", "before=99999999999999999999999"]) {
    const response = await page.request.get(`/staff/audit?${query}`, { maxRedirects: 0 });
    expect(response.status(), query).toBe(200);
  }
});
