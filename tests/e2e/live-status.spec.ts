/**
 * The trunk pages keep themselves current: the registrar's sync, the PBX's registration, and after a password reset
 * whether the old password still works — said to be gone only once the registrar has the new one, which SIPp checks
 * at that very moment against the Kamailio `npm start` runs.
 */
import { expect, type Page, test } from "@playwright/test";
import { E2E_SIP_PORT, E2E_SIP_SERVER } from "../../playwright.config";
import { removeSippArtifacts, sippRegister } from "../support/sipp";
import {
  addStaffMember,
  type Credentials,
  createDemoAccountAs,
  E2E_ADMIN,
  registrarAnswered,
  signIn,
  signInCustomer,
} from "./fixtures";

test.describe.configure({ mode: "serial" });
test.afterAll(() => removeSippArtifacts());

const contactEmail = `live-${Date.now()}@live.example`;
let support: Credentials;
let trunkPath = "";
let username = "";

/** Marks the document, so a test can tell that what it saw changed without the page being loaded again. */
const markDocument = (page: Page) => page.evaluate(() => document.documentElement.setAttribute("data-test-mark", "1"));
const expectSameDocument = async (page: Page) =>
  expect(await page.evaluate(() => document.documentElement.getAttribute("data-test-mark"))).toBe("1");

async function revealedPassword(page: Page) {
  await page.getByRole("button", { name: "Reveal password" }).click();
  return (await page.getByTestId("sip-password").textContent()) ?? "";
}

const register = (password: string) =>
  sippRegister({ proxyPort: E2E_SIP_PORT, username, password, domain: E2E_SIP_SERVER, userAgent: "Live PBX (SIPp)" });

test.beforeAll(async ({ browser }) => {
  support = await addStaffMember(browser, "SUPPORT");
  const page = await browser.newPage();
  await signIn(page, E2E_ADMIN);
  trunkPath = new URL(await createDemoAccountAs(page, "Live Status Co", contactEmail)).pathname;
  username = (await page.getByTestId("sip-username").textContent()) ?? "";
  await page.close();
});

test("the staff trunk page follows the registrar and the PBX without being reloaded", async ({ page, browser }) => {
  await signIn(page, support);
  await page.goto(trunkPath);
  const sync = page.getByTestId("sync-state");
  await expect(sync).toHaveAttribute("data-state", "SYNCED", { timeout: 15_000 });
  await registrarAnswered(page);
  const registration = page.getByTestId("registration-state");
  await expect(registration).toHaveAttribute("data-state", "not-registered", { timeout: 15_000 });
  await markDocument(page);
  const syncedAt = () => sync.locator("time").getAttribute("datetime");
  const firstSync = await syncedAt();

  // Someone else asks for a resync: this page shows the new sync by itself.
  const other = await browser.newPage();
  await signIn(other, E2E_ADMIN);
  await other.goto(trunkPath);
  await other.getByRole("button", { name: "Resync now" }).click();
  await expect(other.getByRole("status")).toHaveText("Registrar sync requested.");
  await expect.poll(syncedAt, { timeout: 15_000 }).not.toBe(firstSync);
  await expect(sync).toHaveAttribute("data-state", "SYNCED");

  // A PBX registers: the page says so, from where, by itself.
  const password = await revealedPassword(other);
  const result = await register(password);
  expect(result, `SIPp trace in ${result.run.dir}`).toMatchObject({ challenge: 401, status: 200 });
  await expect(registration).toHaveAttribute("data-state", "registered", { timeout: 15_000 });
  await expect(registration).toContainText(`Registered from 127.0.0.1:${result.localPort} with Live PBX (SIPp)`);
  await expectSameDocument(page);
  await other.close();
});

test("after a reset the page says the old password stopped working only when the registrar refuses it", async ({
  page,
}) => {
  await signIn(page, support);
  await page.goto(trunkPath);
  const oldPassword = await revealedPassword(page);
  page.once("dialog", (dialog) => dialog.accept());
  await page.getByRole("button", { name: "Reset SIP password" }).click();
  const outcome = page.getByTestId("reset-outcome");
  await expect(outcome).toContainText("A new SIP password was generated");
  await expect(outcome).toContainText("the old password no longer works", { timeout: 15_000 });
  // At the moment the page says so, the registrar refuses the old password and takes the new one.
  const withOld = await register(oldPassword);
  expect(withOld.status, `SIPp trace in ${withOld.run.dir}`).not.toBe(200);
  await page.reload();
  const newPassword = await revealedPassword(page);
  expect(newPassword).not.toBe(oldPassword);
  expect((await register(newPassword)).status).toBe(200);
});

test("the customer's trunk page shows their PBX register and their own reset confirmed, by itself", async ({
  page,
}) => {
  await signInCustomer(page, contactEmail);
  await page.goto(`/portal/trunks/${trunkPath.split("/").pop()}`);
  const sync = page.getByTestId("sync-state");
  await expect(sync).toContainText("reached our SIP servers", { timeout: 15_000 });
  // A customer is told what a failure means, never the registrar's error text: the status they poll has none.
  const status = await page.request.get(`/portal/trunks/${trunkPath.split("/").pop()}/status`);
  expect(status.status()).toBe(200);
  expect((await status.json()).sync.error).toBeNull();

  await markDocument(page);
  const password = await revealedPassword(page);
  // Another PBX (a new contact) registers: it joins the list by itself.
  const registration = page.getByTestId("registration-state");
  const result = await register(password);
  expect(result.status).toBe(200);
  await expect(registration).toContainText(`127.0.0.1:${result.localPort}`, { timeout: 15_000 });

  page.once("dialog", (dialog) => dialog.accept());
  await page.getByRole("button", { name: "Reset SIP password" }).click();
  await expect(page.getByTestId("reset-outcome")).toContainText("the old password no longer works", {
    timeout: 15_000,
  });
  expect((await register(password)).status).not.toBe(200);
  await expectSameDocument(page);
});

test("the status routes answer only those who may see the trunk", async ({ page, browser }) => {
  const trunkId = trunkPath.split("/").pop() ?? "";
  const signedOut = await browser.newContext();
  expect((await signedOut.request.get(`/staff/trunks/${trunkId}/status`, { maxRedirects: 0 })).status()).toBe(401);
  expect((await signedOut.request.get(`/portal/trunks/${trunkId}/status`, { maxRedirects: 0 })).status()).toBe(401);
  await signedOut.close();

  // Another customer: the trunk does not exist for them, and the staff route is not theirs.
  const otherEmail = `live-other-${Date.now()}@live.example`;
  const staff = await browser.newPage();
  await signIn(staff, E2E_ADMIN);
  await createDemoAccountAs(staff, "Live Other Co", otherEmail);
  await staff.close();
  await signInCustomer(page, otherEmail);
  expect((await page.request.get(`/portal/trunks/${trunkId}/status`)).status()).toBe(404);
  expect((await page.request.get(`/staff/trunks/${trunkId}/status`)).status()).toBe(403);
});

test("times are shown in the viewer's time zone, with the zone named", async ({ browser }) => {
  const context = await browser.newContext({ timezoneId: "Asia/Tokyo", locale: "en-US" });
  const page = await context.newPage();
  await signIn(page, support);
  await page.goto(trunkPath);
  const passwordSet = page
    .getByRole("definition")
    .filter({ has: page.locator("time") })
    .first()
    .locator("time");
  const instant = new Date((await passwordSet.getAttribute("datetime")) ?? "");
  const tokyoHour = new Intl.DateTimeFormat("en-US", { timeZone: "Asia/Tokyo", hour: "numeric" }).format(instant);
  await expect(passwordSet).toContainText("GMT+9");
  await expect(passwordSet).toContainText(tokyoHour.replace(/ [AP]M$/, ":"));
  await context.close();
});
