import { expect, test } from "@playwright/test";
import { E2E_SIP_PORT, E2E_SIP_SERVER } from "../../playwright.config";
import { removeSippArtifacts, sippCalls, sippRegister } from "../support/sipp";
import { createDemoAccountAs, E2E_ADMIN, signIn, waitForMail } from "./fixtures";

test.afterAll(() => removeSippArtifacts());

test("staff set a trunk's fraud limits on its page, and the registrar enforces them", async ({ page }) => {
  await signIn(page, E2E_ADMIN);
  const trunkPath = new URL(await createDemoAccountAs(page, "Fraud Co", `fraud-${Date.now()}@customer.example`))
    .pathname;
  const username = (await page.getByTestId("sip-username").textContent()) ?? "";
  await page.getByRole("button", { name: "Reveal password" }).click();
  const password = (await page.getByTestId("sip-password").textContent()) ?? "";

  // A bad limit is a field error next to its field; the other values typed are kept.
  const limits = page.getByRole("form", { name: "Fraud limits" });
  await limits.getByLabel("Calls per second").fill("0");
  await limits.getByLabel("Calls per day").fill("500");
  await limits.getByRole("button", { name: "Save limits" }).click();
  await expect(limits.getByText("The limit must be at least 1.")).toBeVisible();
  await expect(limits.getByLabel("Calls per day")).toHaveValue("500");

  await limits.getByLabel("Calls per second").fill("1");
  await limits.getByRole("button", { name: "Save limits" }).click();
  await expect(limits.getByRole("status")).toHaveText("Fraud limits saved.");
  await page.reload();
  await expect(limits.getByLabel("Calls per second")).toHaveValue("1");
  await expect(limits.getByLabel("Calls per day")).toHaveValue("500");
  await expect(limits.getByLabel("Minutes per day")).toHaveValue("");

  // The Kamailio `npm start` runs: three new calls in the same instant, one per second allowed. The first goes on
  // towards the carrier (the quick start has none: it ends unanswered), the others are refused at once. Until the
  // worker has synced the new limit, all three go on; try again.
  await expect(async () => {
    const { statuses } = await sippCalls({
      proxyPort: E2E_SIP_PORT,
      domain: E2E_SIP_SERVER,
      to: "9195551234",
      from: "100",
      username,
      password,
      calls: 3,
      rate: 100,
      responseTimeoutMs: 2000,
    });
    expect(statuses.filter((status) => status === 503).length).toBeGreaterThanOrEqual(1);
  }).toPass({ timeout: 45_000 });

  // Each refusal is on the trunk's calls page, with its reason and its fix.
  await page.goto(`${trunkPath}/calls`);
  await expect(async () => {
    await page.reload();
    await expect(
      page.getByTestId("call-row").filter({ hasText: "503 — too many new calls in one second" }).first(),
    ).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 20_000 });
});

test("a burst of failed authentications for one trunk, from several addresses, alerts support and shows on the trunk", async ({
  page,
}) => {
  // The scan runs once a minute.
  test.setTimeout(180_000);
  await signIn(page, E2E_ADMIN);
  await createDemoAccountAs(page, "Guessed Co", `guessed-${Date.now()}@customer.example`);
  const username = (await page.getByTestId("sip-username").textContent()) ?? "";

  // Two "PBXs" (SIPp on their own loopback addresses) guess until Kamailio bans each (10 failures, its default):
  // 20 failures, a burst, which no per-address ban stops.
  const guess = async (localIp: string) => {
    for (let attempt = 0; attempt < 10; attempt++) {
      const { status } = await sippRegister({
        proxyPort: E2E_SIP_PORT,
        username,
        password: `guess-${attempt}`,
        domain: E2E_SIP_SERVER,
        localIp,
      });
      expect(status).toBe(403);
    }
  };
  await Promise.all([guess("127.0.0.2"), guess("127.0.0.3")]);

  const alert = await waitForMail((mail) => mail.subject === `20 failed authentications on SIP trunk ${username}`, {
    timeoutMs: 150_000,
  });
  expect(alert.to).toBe("support@example.com");
  expect(alert.text).toContain("from 2 addresses");

  await page.reload();
  await expect(page.getByRole("alert").filter({ hasText: "Needs attention" })).toContainText(
    "20 failed authentications for this username in the last minutes, from 2 addresses (127.0.0.2, 127.0.0.3)",
  );
});
