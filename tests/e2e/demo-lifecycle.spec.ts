import { expect, test } from "@playwright/test";
import { createDemoAccountAs, E2E_ADMIN, signIn } from "./fixtures";

const dateField = (daysFromNow: number) => new Date(Date.now() + daysFromNow * 86_400_000).toISOString().slice(0, 10);

test("staff extend a demo and convert it to a paying account from the customer's page", async ({ page }) => {
  await signIn(page, E2E_ADMIN);
  await createDemoAccountAs(page, "Demo Lifecycle Co", `lifecycle-${Date.now()}@e2e.example`);
  await page.getByRole("link", { name: "Demo Lifecycle Co" }).click();
  await expect(page.getByText(/Demo: 1[34] days left/).first()).toBeVisible();

  // Extending: a date in the past is explained next to the field; a later date is taken.
  const extend = page.getByRole("form", { name: "Extend the demo" });
  await extend.getByLabel("New end date").fill(dateField(-3));
  await extend.getByRole("button", { name: "Extend the demo" }).click();
  await expect(extend.getByText("Choose a date in the future.")).toBeVisible();
  await expect(extend.getByLabel("New end date")).toHaveAttribute("aria-invalid", "true");
  await extend.getByLabel("New end date").fill(dateField(40));
  await extend.getByRole("button", { name: "Extend the demo" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Demo extended" })).toBeVisible();
  await expect(page.getByText(/Demo: 41 days left/).first()).toBeVisible();

  // Converting: the real settings, checked like the trunk form's, then applied in one step.
  await page.locator("summary", { hasText: "Convert to a paying account" }).click();
  const convert = page.getByRole("form", { name: "Convert to a paying account" });
  await convert.getByLabel("Concurrent call limit").fill("0");
  await convert.getByRole("button", { name: "Convert to a paying account" }).click();
  await expect(convert.getByText("The call limit must be at least 1.")).toBeVisible();
  await convert.getByLabel("Concurrent call limit").fill("25");
  await convert.getByLabel("Dial permission").selectOption("US_CANADA");
  await convert.getByRole("button", { name: "Convert to a paying account" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Converted to a paying account" })).toBeVisible();
  await expect(page.getByText(/days left/)).toHaveCount(0);
  await expect(page.getByRole("form", { name: "Extend the demo" })).toHaveCount(0);
  const trunks = page.getByRole("table", { name: "Trunks" });
  await expect(trunks.getByRole("cell", { name: "25", exact: true })).toBeVisible();
  await expect(trunks.getByRole("cell", { name: "US and Canada" })).toBeVisible();
});

test("the customers list filters demos by their end", async ({ page }) => {
  await signIn(page, E2E_ADMIN);
  await page.goto("/staff/customers");
  await page.getByLabel("Show").selectOption("ended");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/demo=ended/);
  await expect(page.getByText(/customers? · demos that have ended/)).toBeVisible();
});
