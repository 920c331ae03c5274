import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, type Page } from "@playwright/test";
import { E2E_DATA_DIR, E2E_SIP_SERVER } from "../../playwright.config";
import { type KamailioInstance, startKamailio } from "../support/kamailio";
import { linkIn, waitForMail } from "./fixtures";

/**
 * The portal under test provisions the `kamailio` database of its embedded PostgreSQL; a real Kamailio started here
 * reads that database, so the pages show what a real registrar did.
 */
export function registrarDatabaseUrl(): string {
  // postmaster.pid's fourth line is the port (lib/embedded-postgres.ts keeps the cluster in DATA_DIR/postgres/pgdata).
  const pid = readFileSync(path.join(E2E_DATA_DIR, "postgres", "pgdata", "postmaster.pid"), "utf8").split("\n");
  return `postgresql://postgres:postgres@127.0.0.1:${pid[3]?.trim()}/kamailio`;
}

/** The reference Kamailio for the default server (its realm is the lower-cased name, as the portal creates it). */
export function startE2eKamailio(): Promise<KamailioInstance> {
  return startKamailio({
    databaseUrl: registrarDatabaseUrl(),
    realm: E2E_SIP_SERVER.toLowerCase(),
    // Every SIP client here is 127.0.0.1, the portal's checks included.
    defines: { BAN_FAILS: 10_000, PIKE_DENSITY: 100_000, PORTAL_IP: "127.0.0.1" },
  });
}

/** As the admin: the default server's credentials are checked at this Kamailio (its name does not resolve here). */
export async function checkCredentialsAt(page: Page, kamailio: KamailioInstance) {
  await page.goto("/staff/servers");
  const form = page.getByRole("form", { name: `Edit ${E2E_SIP_SERVER}` });
  await form.getByLabel("Verify credentials").check();
  await form.getByLabel("Check address").fill(`127.0.0.1:${kamailio.sipPort}`);
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
