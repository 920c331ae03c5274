import { type APIResponse, expect, test } from "@playwright/test";
import { type Credentials, E2E_ADMIN, signIn } from "./fixtures";
import { type MatrixRecords, PUBLIC_ROUTES, type StaffRole, setUpMatrix, staffRoutes } from "./routes";

test.describe.configure({ mode: "serial" });

let users = new Map<StaffRole, Credentials>();
let records: MatrixRecords;
let ROUTES: ReturnType<typeof staffRoutes> = [];

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
  ({ users, records } = await setUpMatrix(browser, "Matrix Test Co"));
  ROUTES = staffRoutes(records);
});

test("signed-out visitors are redirected to sign-in from every staff page", async ({ request }) => {
  for (const route of ROUTES) {
    const response = await request.get(route.path, { maxRedirects: 0 });
    expect(response.status(), route.path).toBe(307);
    expect(response.headers().location, route.path).toMatch(/\/sign-in$/);
    expectSecurityHeaders(response, route.path);
  }
});

test("public pages, link pages and the auth API send the security headers", async ({ request }) => {
  for (const route of PUBLIC_ROUTES) {
    expectSecurityHeaders(await request.get(route.path, { maxRedirects: 0 }), route.path, route.secretLink);
  }
});

test("pages run under the Content-Security-Policy without a single violation", async ({ page }) => {
  // Every staff page, each rendered by the server and run in the browser.
  test.setTimeout(180_000);
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  await signIn(page, E2E_ADMIN);
  for (const route of ROUTES) {
    await page.goto(route.path);
    await expect(page.getByRole("navigation", { name: "Staff" }), route.path).toBeVisible();
  }
  // Client code runs: a form with a confirm() prompt only works with its script.
  await page.goto(`/staff/trunks/${records.trunkId}`);
  let asked = false;
  page.once("dialog", (dialog) => {
    asked = true;
    void dialog.dismiss();
  });
  await page.getByRole("button", { name: "Reset SIP password" }).click();
  expect(asked).toBe(true);
  expect(violations).toEqual([]);
});

for (const role of ["ADMIN", "SALES", "SUPPORT"] as StaffRole[]) {
  test(`${role} gets exactly the pages the policy allows`, async ({ page }) => {
    await signIn(page, users.get(role) as Credentials);
    for (const route of ROUTES) {
      const response = await page.request.get(route.path, { maxRedirects: 0 });
      expect(response.status(), `${role} ${route.path}`).toBe(route.allowed.includes(role) ? 200 : 403);
      expectSecurityHeaders(response, `${role} ${route.path}`);
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
