import { expect, test } from "@playwright/test";
import { TestWebhookReceiver, typeOf, verifyStandardWebhook } from "../support/webhook-receiver";
import { createDemoAccountAs, E2E_ADMIN, signIn } from "./fixtures";

let receiver: TestWebhookReceiver;
test.beforeAll(async () => {
  receiver = await new TestWebhookReceiver().start();
});
test.afterAll(async () => {
  await receiver?.stop();
});

test("an admin registers a webhook endpoint, sees each delivery attempt and redelivers one", async ({ page }) => {
  await signIn(page, E2E_ADMIN);
  await page.getByRole("navigation", { name: "Staff" }).getByRole("link", { name: "Webhooks" }).click();
  const form = page.getByRole("form", { name: "Register webhook endpoint" });

  // Plain http to a host nobody allowed is refused inline, with what to do instead.
  await form.getByLabel("URL").fill("http://billing.example.com/hooks");
  await form.getByLabel(/trunk\.created/).check();
  await form.getByRole("button", { name: "Register endpoint" }).click();
  await expect(form.getByText(/Use https:\/\//)).toBeVisible();

  await form.getByLabel("URL").fill(`${receiver.url}/e2e`);
  await form.getByLabel("Description (optional)").fill("E2E billing system");
  await form.getByLabel(/trunk\.created/).check();
  await form.getByRole("button", { name: "Register endpoint" }).click();
  const secret = (await page.getByTestId("new-webhook-secret").textContent()) ?? "";
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

  const company = `Webhook Demo ${Date.now()}`;
  const trunkUrl = await createDemoAccountAs(page, company, `hooks-${Date.now()}@e2e.example`);
  const trunkId = trunkUrl.split("/").pop();
  const mine = () => receiver.received.filter((webhook) => webhook.body.includes(`"id":"${trunkId}"`));
  await receiver.waitFor(() => mine().length === 1);
  const [created] = mine();
  if (!created) throw new Error("no webhook");
  expect(typeOf(created)).toBe("trunk.created");
  expect(verifyStandardWebhook(secret, created)).toBe(true);

  await page.goto("/staff/webhooks");
  await page.getByRole("link", { name: `${receiver.url}/e2e` }).click();
  const deliveries = page.getByRole("table", { name: "Webhook deliveries" });
  const row = deliveries.getByRole("row", { name: /trunk\.created/ }).first();
  await expect(row).toContainText("succeeded");
  await expect(row).toContainText(/204 in \d+ ms/);

  await row.getByRole("button", { name: "Redeliver" }).click();
  await receiver.waitFor(
    (received) => received.filter((webhook) => webhook.body.includes(trunkId ?? "-")).length === 2,
  );
  const both = receiver.received.filter((webhook) => webhook.body.includes(trunkId ?? "-"));
  expect(both[1]?.headers["webhook-id"]).toBe(both[0]?.headers["webhook-id"]);
  await page.reload();
  await expect(
    deliveries
      .getByRole("row", { name: /trunk\.created/ })
      .first()
      .getByText(/204 in/),
  ).toHaveCount(2);

  await page.goto("/staff/audit?action=webhook.redeliver");
  await expect(page.getByRole("table", { name: "Audit log" })).toContainText("webhook.redeliver");
});
