import { randomBytes } from "node:crypto";
import { type Browser, expect } from "@playwright/test";
import { addStaffMember, type Credentials, E2E_ADMIN, signIn } from "./fixtures";

export type StaffRole = "ADMIN" | "SALES" | "SUPPORT";

/** Records every page of the matrix needs: a demo account (customer and trunk) and its credentials email. */
export type MatrixRecords = { customerId: string; trunkId: string; mailId: string; contactEmail: string };

/**
 * Every staff page and who may open it (the product brief's roles). `byRole`: what the page shows depends on the
 * viewer's role beyond the navigation (actions offered, a role's own settings).
 */
export function staffRoutes(ids: MatrixRecords): { path: string; allowed: StaffRole[]; byRole?: true }[] {
  return [
    { path: "/staff", allowed: ["ADMIN", "SALES", "SUPPORT"], byRole: true },
    { path: "/staff/customers", allowed: ["ADMIN", "SALES", "SUPPORT"], byRole: true },
    { path: "/staff/customers/new", allowed: ["ADMIN", "SALES"] },
    { path: `/staff/customers/${ids.customerId}`, allowed: ["ADMIN", "SALES", "SUPPORT"], byRole: true },
    { path: `/staff/customers/${ids.customerId}/edit`, allowed: ["ADMIN", "SALES"] },
    { path: `/staff/customers/${ids.customerId}/trunks/new`, allowed: ["ADMIN", "SALES"] },
    { path: "/staff/demo/new", allowed: ["ADMIN", "SALES"] },
    { path: "/staff/trunks", allowed: ["ADMIN", "SALES", "SUPPORT"] },
    { path: `/staff/trunks/${ids.trunkId}`, allowed: ["ADMIN", "SALES", "SUPPORT"], byRole: true },
    { path: `/staff/trunks/${ids.trunkId}/edit`, allowed: ["ADMIN", "SALES"] },
    { path: `/staff/trunks/${ids.trunkId}/packet-check`, allowed: ["ADMIN", "SALES", "SUPPORT"] },
    { path: `/staff/trunks/${ids.trunkId}/calls`, allowed: ["ADMIN", "SALES", "SUPPORT"] },
    { path: "/staff/users", allowed: ["ADMIN"] },
    { path: "/staff/servers", allowed: ["ADMIN"] },
    { path: "/staff/settings", allowed: ["ADMIN"] },
    { path: "/staff/audit", allowed: ["ADMIN", "SUPPORT"] },
    { path: "/staff/mail", allowed: ["ADMIN", "SUPPORT"] },
    { path: `/staff/mail/${ids.mailId}`, allowed: ["ADMIN", "SUPPORT"] },
    { path: "/staff/registrar", allowed: ["ADMIN", "SUPPORT"] },
    { path: "/staff/account", allowed: ["ADMIN", "SALES", "SUPPORT"], byRole: true },
    { path: "/staff/api-keys", allowed: ["ADMIN", "SALES", "SUPPORT"], byRole: true },
    { path: "/staff/webhooks", allowed: ["ADMIN"] },
    { path: "/staff/imports", allowed: ["ADMIN", "SALES"] },
  ];
}

/** The customer portal's pages, for the signed-in customer of the matrix's demo account. */
export const customerRoutes = (ids: MatrixRecords) => [
  "/portal",
  `/portal/trunks/${ids.trunkId}`,
  `/portal/trunks/${ids.trunkId}/calls`,
  `/portal/trunks/${ids.trunkId}/packet-check`,
  "/portal/people",
];

/** Pages anyone may open, and whether their address carries a secret link (no Referer may leave them). */
export const PUBLIC_ROUTES: { path: string; secretLink: boolean; page: boolean }[] = [
  { path: "/sign-in", secretLink: false, page: true },
  { path: "/sign-in/two-factor", secretLink: false, page: true },
  { path: "/forgot-password", secretLink: false, page: true },
  { path: "/portal/sign-in", secretLink: false, page: true },
  { path: "/portal/sign-in/check-email", secretLink: false, page: true },
  { path: "/reveal/not-a-real-token", secretLink: true, page: true },
  { path: "/reset-password/not-a-real-token", secretLink: true, page: true },
  { path: "/api/auth/csrf", secretLink: false, page: false },
  { path: "/api/auth/callback/email?token=x&email=x%40example.com", secretLink: true, page: false },
  { path: "/no-such-page", secretLink: false, page: true },
  // The icons are public files, and a missing one is the HTML not-found page: neither may be framed either.
  { path: "/favicon.ico", secretLink: false, page: false },
  { path: "/no-such-icon.png", secretLink: false, page: false },
  { path: "/_next/image?url=%2Fx.png&w=64&q=75", secretLink: false, page: false },
];

/**
 * A sales and a support member besides the admin, a demo account made in the UI with its credentials email, and a
 * used API key: what the page matrices (permissions, accessibility) visit.
 */
export async function setUpMatrix(browser: Browser, company: string) {
  const users = new Map<StaffRole, Credentials>([
    ["ADMIN", E2E_ADMIN],
    ["SALES", await addStaffMember(browser, "SALES")],
    ["SUPPORT", await addStaffMember(browser, "SUPPORT")],
  ]);
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, E2E_ADMIN);
  await page.goto("/staff/demo/new");
  const contactEmail = `matrix-${Date.now()}-${randomBytes(3).toString("hex")}@matrix.example`;
  const form = page.getByRole("form", { name: "New demo account" });
  await form.getByLabel("Company").fill(company);
  await form.getByLabel("Contact name").fill("Neo");
  await form.getByLabel("Contact email").fill(contactEmail);
  await form.getByRole("button", { name: "Create demo account" }).click();
  await expect(page).toHaveURL(/\/staff\/trunks\//);
  const trunkId = page.url().split("/").pop() ?? "";
  const customerId = (await page.getByRole("link", { name: company }).getAttribute("href"))?.split("/").pop() ?? "";
  // A used API key, so its list has a row as wide as one gets (the last use and where it came from).
  await page.goto("/staff/api-keys");
  const keyForm = page.getByRole("form", { name: "Create API key" });
  await keyForm.getByLabel("Name").fill(`${company} billing system`);
  await keyForm.getByRole("button", { name: "Create key" }).click();
  const key = (await page.getByTestId("new-api-key").textContent()) ?? "";
  expect(
    (await page.request.get("/api/v1/sip-servers", { headers: { authorization: `Bearer ${key}` } })).status(),
  ).toBe(200);
  await page.goto("/staff/mail");
  const mailId =
    (await page.getByRole("link", { name: "Your SIP trunk is ready" }).first().getAttribute("href"))
      ?.split("/")
      .pop() ?? "";
  await context.close();
  return { users, records: { customerId, trunkId, mailId, contactEmail } satisfies MatrixRecords };
}
