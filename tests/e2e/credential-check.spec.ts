import { expect, test } from "@playwright/test";
import { E2E_SIP_PORT, E2E_SIP_SERVER } from "../../playwright.config";
import { freeUdpPort } from "../support/sipp";
import { addStaffMember, type Credentials, createDemoAccountAs, E2E_ADMIN, signIn } from "./fixtures";
import { setCheckAddress, signInCustomer } from "./registrar";

test.describe.configure({ mode: "serial" });

const customerEmail = `proven-${Date.now()}@customer.example`;
let support: Credentials;
let trunkPath = "";

test.beforeAll(async ({ browser }) => {
  support = await addStaffMember(browser, "SUPPORT");
});

test("a new trunk's credentials are proven on the server by its exact name, for staff and the customer", async ({
  page,
  browser,
}) => {
  await signIn(page, E2E_ADMIN);
  // `npm start` checks the default server at the Kamailio it runs.
  await page.goto("/staff/servers");
  await expect(page.getByText(`credentials checked at 127.0.0.1:${E2E_SIP_PORT}`)).toBeVisible();
  trunkPath = new URL(await createDemoAccountAs(page, "Proven Co", customerEmail)).pathname;
  const checks = page.getByTestId("credential-checks");
  await expect(async () => {
    await page.reload();
    await expect(checks).toContainText(`Credentials verified on ${E2E_SIP_SERVER} at`, { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await expect(page.getByText("Needs attention")).toHaveCount(0);

  const customer = await (await browser.newContext()).newPage();
  await signInCustomer(customer, customerEmail);
  await customer.getByRole("link", { name: "Credentials, settings and setup help" }).click();
  await expect(customer.getByTestId("credential-checks")).toContainText(`Credentials verified on ${E2E_SIP_SERVER} at`);
  await customer.context().close();
});

test("a server that does not answer is reported, and the trunk needs attention", async ({ page, browser }) => {
  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, E2E_ADMIN);
  await setCheckAddress(admin, `127.0.0.1:${await freeUdpPort()}`);
  try {
    await signIn(page, support);
    await page.goto(trunkPath);
    await page.getByRole("button", { name: "Check credentials now" }).click();
    await expect(page.getByRole("status")).toHaveText("Credentials check queued; refresh in a moment for its result.");
    await expect(async () => {
      await page.reload();
      await expect(page.getByTestId("credential-checks")).toContainText(`${E2E_SIP_SERVER} did not answer the check`, {
        timeout: 1000,
      });
    }).toPass({ timeout: 20_000 });
    await expect(page.getByRole("alert").filter({ hasText: "Needs attention" })).toContainText(
      `The credentials could not be verified on ${E2E_SIP_SERVER}.`,
    );
  } finally {
    // Other tests' trunks are checked at the portal's own Kamailio again.
    await setCheckAddress(admin, `127.0.0.1:${E2E_SIP_PORT}`);
    await admin.context().close();
  }
});
