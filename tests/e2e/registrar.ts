import { expect, type Page } from "@playwright/test";
import { E2E_SIP_SERVER } from "../../playwright.config";
import { linkIn, waitForMail } from "./fixtures";

/** As the admin: where the default server's credentials are checked (the portal's own Kamailio by default). */
export async function setCheckAddress(page: Page, address: string) {
  await page.goto("/staff/servers");
  const form = page.getByRole("form", { name: `Edit ${E2E_SIP_SERVER}` });
  await form.getByLabel("Verify credentials").check();
  await form.getByLabel("Check address").fill(address);
  await form.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status")).toHaveText("SIP server updated.");
}

/** Signs a customer in with the email link the portal sends. */
export async function signInCustomer(page: Page, email: string) {
  await page.goto("/portal/sign-in");
  await page.getByRole("textbox", { name: "Email" }).fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  const mail = await waitForMail((m) => m.to === email && m.subject.startsWith("Sign in"));
  await page.goto(linkIn(mail, /http:\/\/localhost:\d+\/api\/auth\/callback\/email\?\S+/));
  await expect(page).toHaveURL(/\/portal$/);
}
