/**
 * The quick start is a provider a PBX can use: the portal under test was started the `npm start` way (see
 * playwright.config.ts), which runs the reference Kamailio on the embedded registrar database. A demo account made in
 * the UI registers with SIPp, as a customer's PBX, to the address the Registrar page shows, with the revealed
 * password.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { E2E_DATA_DIR, E2E_SIP_PORT, E2E_SIP_SERVER } from "../../playwright.config";
import { removeSippArtifacts, sippRegister } from "../support/sipp";
import { createDemoAccountAs, E2E_ADMIN, registrarAnswered, signIn } from "./fixtures";

test.afterAll(() => removeSippArtifacts());

test("a PBX registers to the registrar npm start runs, with a demo account's revealed password", async ({ page }) => {
  await signIn(page, E2E_ADMIN);

  await page.goto("/staff/registrar");
  const address = `udp/tcp 127.0.0.1:${E2E_SIP_PORT}`;
  // The realm comes from the default SIP server: its hostname in lowercase.
  await expect(page.getByTestId("local-registrar")).toHaveText(
    `Answers ${address}, realm ${E2E_SIP_SERVER.toLowerCase()}`,
  );
  await expect(page.getByTestId("registrar-health")).toContainText("Answers");
  const connection = page.getByRole("region", { name: "Connection" });
  await expect(connection).toContainText("database kamailio, as role postgres");
  await expect(page.getByTestId("reference-command")).toContainText(
    `-A LISTEN_IP=$SIP_IP -A LISTEN_PORT=5060 -A 'DBURL="postgres://kamailio@127.0.0.1:`,
  );
  // Never a password: neither the portal's nor Kamailio's.
  const secrets = JSON.parse(readFileSync(path.join(E2E_DATA_DIR, "secrets.json"), "utf8")) as Record<string, string>;
  const html = await page.content();
  expect(html).not.toContain(secrets.EMBEDDED_POSTGRES_PASSWORD);
  expect(html).not.toContain(secrets.KAMAILIO_DB_PASSWORD);
  const liveBefore = Number(await page.getByTestId("live-registrations").textContent());

  const trunkPage = await createDemoAccountAs(page, "Desk Phone Demo", `pbx-${Date.now()}@deskphone.example`);
  const username = (await page.getByTestId("sip-username").textContent()) ?? "";
  await page.getByRole("button", { name: "Reveal password" }).click();
  const password = (await page.getByTestId("sip-password").textContent()) ?? "";
  expect(password).toHaveLength(24);
  // Provisioned within moments of the command (the worker wakes on NOTIFY).
  await expect
    .poll(async () => {
      await page.reload();
      return page.getByText("Synced", { exact: true }).count();
    })
    .toBe(1);

  const registration = await sippRegister({
    proxyPort: E2E_SIP_PORT,
    username,
    password,
    domain: E2E_SIP_SERVER,
    userAgent: "Desk phone (SIPp)",
  });
  expect(registration, `SIPp trace in ${registration.run.dir}`).toMatchObject({ challenge: 401, status: 200 });

  await page.goto(trunkPage);
  await registrarAnswered(page);
  const state = page.getByTestId("registration-state");
  // The registrar's answer streams in (or, on a busy machine, arrives with the page's next poll).
  await expect(state).toContainText(`Registered from 127.0.0.1:${registration.localPort} with Desk phone (SIPp)`, {
    timeout: 15_000,
  });
  await expect(state.getByRole("alert")).toHaveCount(0);

  await page.goto("/staff/registrar");
  await expect(page.getByTestId("live-registrations")).toHaveText(String(liveBefore + 1));
  await page.screenshot({ path: "tests/artifacts/registrar-page.png", fullPage: true });
});
