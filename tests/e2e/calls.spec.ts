import { expect, test } from "@playwright/test";
import { E2E_SIP_PORT, E2E_SIP_SERVER } from "../../playwright.config";
import { removeSippArtifacts, sippCalls } from "../support/sipp";
import { createDemoAccountAs, E2E_ADMIN, signIn } from "./fixtures";
import { signInCustomer } from "./registrar";

test.describe.configure({ mode: "serial" });

const customerEmail = `calls-${Date.now()}@customer.example`;
let trunkPath = "";

test.afterAll(() => removeSippArtifacts());

test("every refused call shows on the trunk's calls page with its reason, for staff and the customer", async ({
  page,
  browser,
}) => {
  await signIn(page, E2E_ADMIN);
  trunkPath = new URL(await createDemoAccountAs(page, "Calls Co", customerEmail)).pathname;
  const username = (await page.getByTestId("sip-username").textContent()) ?? "";
  await page.getByRole("button", { name: "Reveal password" }).click();
  const password = (await page.getByTestId("sip-password").textContent()) ?? "";

  // The PBX (SIPp) calls through the Kamailio `npm start` runs on the portal's registrar database.
  const call = (domain: string, to: string) =>
    sippCalls({ proxyPort: E2E_SIP_PORT, domain, to, from: "100", username, password });
  expect((await call(E2E_SIP_SERVER.toLowerCase(), "9195551234")).statuses).toEqual([404]);
  expect((await call(E2E_SIP_SERVER, "+442071234567")).statuses).toEqual([403]);

  // Kamailio writes each record as its transaction completes.
  await page.goto(`${trunkPath}/calls`);
  const rows = page.getByTestId("call-row");
  await expect(async () => {
    await page.reload();
    await expect(rows).toHaveCount(2, { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await expect(rows.nth(0)).toContainText("403 — this demo trunk may call US numbers only");
  await expect(rows.nth(1)).toContainText(`404 — wrong server name casing: use ${E2E_SIP_SERVER}`);
  await expect(rows.nth(1)).toContainText("9195551234");

  await page.getByLabel("Outcome").selectOption("answered");
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page.getByText("No calls with this outcome recorded.")).toBeVisible();

  const customer = await (await browser.newContext()).newPage();
  await signInCustomer(customer, customerEmail);
  await customer.getByRole("link", { name: "Credentials, settings and setup help" }).click();
  await customer.getByRole("link", { name: "Recent calls, and why any failed" }).click();
  const customerRows = customer.getByTestId("call-row");
  await expect(customerRows).toHaveCount(2);
  await customerRows.nth(1).getByRole("link", { name: "How to fix" }).click();
  await expect(customer).toHaveURL(/#help-server-name$/);
  await customer.context().close();
});
