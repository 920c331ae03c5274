/**
 * Every page on a desktop in the light scheme and on a phone in the dark one: no serious or critical accessibility
 * violation (axe-core, WCAG 2.1 A and AA, colour contrast included), nothing wider than the screen, and on the phone
 * the navigation reachable through its menu. Staff pages are analysed as an admin, who sees every page and every
 * action; the other roles on the pages whose content depends on the role, and on a refused page, on the phone (the
 * dark scheme and the menu, which lists each role's own links).
 */
import { type Browser, expect, type Page, test } from "@playwright/test";
import { E2E_SIP_SERVER } from "../../playwright.config";
import { contextFor, pageWidth, SCREENS, type Screen, seriousViolations } from "./axe";
import { type Credentials, registrarAnswered, signIn, signInCustomer } from "./fixtures";
import { customerRoutes, type MatrixRecords, PUBLIC_ROUTES, type StaffRole, setUpMatrix, staffRoutes } from "./routes";

// The tests are independent (each opens its own browser context), so both workers share them: as one serial chain
// on one worker this file was the end-to-end run's longest path (6 minutes of 8, the other worker idle half of it).
test.describe.configure({ mode: "parallel" });
// Up to eight pages a test, each loaded and analysed on a loaded two-core machine.
test.setTimeout(300_000);

/** The admin's staff pages (every one) are checked this many to a test, so the matrix spreads over the workers. */
const ADMIN_PAGES_PER_TEST = 6;
const NO_RECORDS: MatrixRecords = { customerId: "", trunkId: "", mailId: "", contactEmail: "" };
const ADMIN_PAGE_COUNT = staffRoutes(NO_RECORDS).filter((route) => route.allowed.includes("ADMIN")).length;
const ADMIN_PAGE_GROUPS = Array.from({ length: Math.ceil(ADMIN_PAGE_COUNT / ADMIN_PAGES_PER_TEST) }, (_, index) => ({
  from: index * ADMIN_PAGES_PER_TEST,
  to: Math.min((index + 1) * ADMIN_PAGES_PER_TEST, ADMIN_PAGE_COUNT),
}));

let users = new Map<StaffRole, Credentials>();
let records: MatrixRecords;

// In parallel mode every test is a group of its own and runs the file's beforeAll; the tests only read the records,
// so each worker makes them once (it was 16 times a run: two staff members, a demo account with its email, an API key).
test.beforeAll(async ({ browser }) => {
  if (users.size > 0) return;
  test.setTimeout(180_000);
  ({ users, records } = await setUpMatrix(browser, "Accessible Widgets"));
});

async function checkPage(page: Page, path: string, screen: Screen, navigation: string | null) {
  const label = `${path} (${screen.name})`;
  await page.goto(path);
  // Whatever streams in (the registrar's answer) is part of the page under test.
  await registrarAnswered(page, label);
  expect(await seriousViolations(page), label).toEqual([]);
  const width = await pageWidth(page);
  expect(width.page, `${label}: nothing wider than the screen`).toBeLessThanOrEqual(width.screen);
  if (!navigation) return;
  const nav = page.getByRole("navigation", { name: navigation });
  if (!screen.phone) {
    await expect(nav, label).toBeVisible();
    return;
  }
  // On a phone the links wait behind "Menu", which opens with a tap and holds every link.
  await expect(nav, label).toBeHidden();
  await page.locator("summary", { hasText: "Menu" }).click();
  await expect(nav, label).toBeVisible();
  // Only what opening it added needs analysing again: the open menu.
  expect(await seriousViolations(page, "details[open]"), `${label}, menu open`).toEqual([]);
}

async function checkStaffPages(browser: Browser, role: StaffRole, screen: Screen, paths: string[]) {
  const context = await contextFor(browser, screen);
  const page = await context.newPage();
  await signIn(page, users.get(role) as Credentials);
  for (const path of paths) await checkPage(page, path, screen, "Staff");
  // Refused pages are pages too.
  if (role !== "ADMIN") await checkPage(page, "/staff/users", screen, null);
  await context.close();
}

for (const role of ["SALES", "SUPPORT"] as StaffRole[]) {
  test(`${role}: the pages that depend on the role, and a refused page, ${SCREENS[1].name}`, async ({ browser }) => {
    const routes = staffRoutes(records).filter((route) => route.allowed.includes(role) && route.byRole);
    await checkStaffPages(
      browser,
      role,
      SCREENS[1],
      routes.map((route) => route.path),
    );
  });
}

for (const screen of SCREENS) {
  // Together the groups are every staff page, each exactly once.
  for (const { from, to } of ADMIN_PAGE_GROUPS) {
    test(`ADMIN: staff pages ${from + 1}-${to} of ${ADMIN_PAGE_COUNT}, ${screen.name}`, async ({ browser }) => {
      const routes = staffRoutes(records).filter((route) => route.allowed.includes("ADMIN"));
      expect(routes).toHaveLength(ADMIN_PAGE_COUNT);
      await checkStaffPages(
        browser,
        "ADMIN",
        screen,
        routes.slice(from, to).map((route) => route.path),
      );
    });
  }

  test(`customer: every portal page, ${screen.name}`, async ({ browser }) => {
    const context = await contextFor(browser, screen);
    const page = await context.newPage();
    await signInCustomer(page, records.contactEmail);
    for (const path of customerRoutes(records)) await checkPage(page, path, screen, "Customer portal");
    await context.close();
  });

  test(`signed out: sign-in, link and error pages, ${screen.name}`, async ({ browser }) => {
    const context = await contextFor(browser, screen);
    const page = await context.newPage();
    for (const route of PUBLIC_ROUTES.filter((candidate) => candidate.page)) {
      await checkPage(page, route.path, screen, null);
    }
    await context.close();
  });
}

test("on a phone, the menu leads to another page and closes behind it", async ({ browser }) => {
  const context = await contextFor(browser, SCREENS[1]);
  const page = await context.newPage();
  await signIn(page, users.get("SUPPORT") as Credentials);
  await page.locator("summary", { hasText: "Menu" }).click();
  await page.getByRole("navigation", { name: "Staff" }).getByRole("link", { name: "Trunks" }).click();
  await expect(page).toHaveURL(/\/staff\/trunks$/);
  await expect(page.getByRole("heading", { name: "Trunks", level: 1 })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Staff" })).toBeHidden();
  // The customers table reads as a list: each value beside its column's name, all on screen.
  await page.goto("/staff/customers?q=Accessible+Widgets");
  const row = page.getByRole("row").filter({ hasText: "Accessible Widgets" });
  const contact = row.getByRole("cell").filter({ hasText: records.contactEmail });
  await expect(contact).toBeVisible();
  const box = await contact.boundingBox();
  expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(SCREENS[1].viewport.width);
  expect(await contact.evaluate((cell) => getComputedStyle(cell, "::before").content)).toBe('"Contact"');
  await context.close();
});

test("on a phone, the SIP server is shown exactly, whole on screen, and copies exactly", async ({ browser }) => {
  const context = await contextFor(browser, SCREENS[1]);
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const staff = await context.newPage();
  await signIn(staff, users.get("SUPPORT") as Credentials);
  const customer = await (await browser.newContext({ viewport: SCREENS[1].viewport, hasTouch: true })).newPage();
  await customer.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await signInCustomer(customer, records.contactEmail);
  for (const [page, path] of [
    [staff, `/staff/trunks/${records.trunkId}`],
    [customer, `/portal/trunks/${records.trunkId}`],
  ] as const) {
    await page.goto(path);
    const server = page.getByTestId("sip-server").first();
    // As rendered (innerText applies CSS text-transform): a casing change on screen is a failure.
    await expect(server, path).toHaveText(E2E_SIP_SERVER, { useInnerText: true });
    const copy = page.getByRole("button", { name: `Copy SIP server ${E2E_SIP_SERVER}` }).first();
    for (const element of [server, copy]) {
      await element.scrollIntoViewIfNeeded();
      const box = await element.boundingBox();
      expect(box, path).not.toBeNull();
      expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= SCREENS[1].viewport.width, path).toBe(true);
    }
    await page.evaluate(() => navigator.clipboard.writeText(""));
    await copy.tap();
    expect(await page.evaluate(() => navigator.clipboard.readText()), path).toBe(E2E_SIP_SERVER);
  }
  await customer.context().close();
  await context.close();
});
