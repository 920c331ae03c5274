import { expect, test } from "@playwright/test";
import { E2E_SIP_SERVER } from "../../playwright.config";
import { E2E_ADMIN, signIn } from "./fixtures";

test.describe.configure({ mode: "serial" });

/** The API from outside the browser, as an admin's billing system would call it with the key. */
async function api(baseURL: string, method: string, path: string, key: string, body?: unknown) {
  const response = await fetch(`${baseURL}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as Record<string, unknown>,
  };
}

test("an admin creates an API key, a program uses it, and revoking it stops it at once", async ({ page, baseURL }) => {
  const base = baseURL ?? "";
  await signIn(page, E2E_ADMIN);
  await page.getByRole("navigation", { name: "Staff" }).getByRole("link", { name: "API keys" }).click();
  const form = page.getByRole("form", { name: "Create API key" });
  await form.getByLabel("Name").fill("E2E billing system");
  await form.getByRole("button", { name: "Create key" }).click();
  const key = (await page.getByTestId("new-api-key").textContent()) ?? "";
  expect(key).toMatch(/^tp_live_[A-Za-z0-9]{40}$/);

  // The hostname comes back exactly as configured (it is case-sensitive).
  const servers = await api(base, "GET", "/sip-servers", key);
  expect(servers.status).toBe(200);
  expect(servers.headers.get("x-content-type-options")).toBe("nosniff");
  expect(servers.headers.get("ratelimit-limit")).toBeTruthy();
  expect((servers.json.data as { hostname: string }[]).map((server) => server.hostname)).toContain(E2E_SIP_SERVER);

  // A small answer goes out as it is, even to a client that accepts gzip (compressing it would cost the server more
  // CPU than the rest of the request); the large OpenAPI document is still compressed.
  const gzip = { "accept-encoding": "gzip" };
  const small = await fetch(`${base}/api/v1/sip-servers`, { headers: { ...gzip, authorization: `Bearer ${key}` } });
  expect(small.status).toBe(200);
  expect(small.headers.get("content-encoding")).toBeNull();
  const large = await fetch(`${base}/api/v1/openapi.json`, { headers: gzip });
  expect(large.headers.get("content-encoding")).toBe("gzip");
  expect(((await large.json()) as { openapi: string }).openapi).toBe("3.1.0");

  const demo = await api(base, "POST", "/demo-accounts", key, {
    company: "Api Provisioned LLC",
    contactName: "Robin Api",
    contactEmail: `robin-${Date.now()}@api.e2e.example`,
  });
  expect(demo.status).toBe(201);
  const trunk = demo.json.trunk as { id: string; username: string };
  await page.goto(`/staff/trunks/${trunk.id}`);
  await expect(page.getByText(trunk.username).first()).toBeVisible();

  // The browser's signed-in session is no API credential.
  const withCookie = await page.request.get("/api/v1/customers");
  expect(withCookie.status()).toBe(401);
  expect(withCookie.headers()["content-type"]).toBe("application/problem+json");

  await page.goto("/staff/audit?action=demo.create");
  await expect(page.getByRole("table", { name: "Audit log" })).toContainText("API key");

  await page.goto("/staff/api-keys");
  const row = page.getByRole("row", { name: /E2E billing system/ });
  await expect(row).toContainText(/from/);
  page.once("dialog", (dialog) => dialog.accept());
  await row.getByRole("button", { name: "Revoke" }).click();
  // The page shows the key as revoked (its revoke button is gone).
  await expect(row).toContainText("revoked");
  await expect(row.getByRole("button", { name: "Revoke" })).toHaveCount(0);
  const refused = await api(base, "GET", "/sip-servers", key);
  expect(refused.status).toBe(401);
  expect(refused.json.detail).toBe("This API key was revoked.");
});

test("the API reference renders the generated document under the portal's CSP", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  await signIn(page, E2E_ADMIN);
  await page.goto("/staff/api-reference");
  await expect(page.getByText("Trunk Portal API")).toBeVisible();
  await expect(page.getByText("Create a trunk").first()).toBeVisible();
  expect(violations).toEqual([]);
  await page.context().clearCookies();
  await page.goto("/staff/api-reference");
  await expect(page).toHaveURL(/\/sign-in/);
});
