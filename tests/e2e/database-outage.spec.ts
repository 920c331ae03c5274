import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { expect, test } from "@playwright/test";
import { encode } from "next-auth/jwt";

/**
 * The built portal served by its own web server (scripts/serve.mjs) with its database down: nothing listens where
 * DATABASE_URL points. Users must get a page that says what happened and that nothing was lost, not a bare 500.
 */
let server: ChildProcess | undefined;
let baseURL = "";
const AUTH_SECRET = randomBytes(32).toString("base64");
const SESSION_COOKIE = "authjs.session-token";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

test.beforeAll(async () => {
  const [port, closedPort] = [await freePort(), await freePort()];
  baseURL = `http://localhost:${port}`;
  server = spawn(process.execPath, ["scripts/serve.mjs"], {
    env: {
      ...process.env,
      PORT: String(port),
      PORTAL_URL: baseURL,
      DATABASE_URL: `postgresql://portal:portal@127.0.0.1:${closedPort}/portal`,
      AUTH_SECRET,
      CREDENTIAL_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      NEXT_TELEMETRY_DISABLED: "1",
    },
    stdio: "ignore",
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ready = await fetch(`${baseURL}/sign-in`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error("the portal did not start");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
});

test.afterAll(async () => {
  if (!server || server.exitCode !== null) return;
  const exited = new Promise((resolve) => server?.once("exit", resolve));
  server.kill("SIGTERM");
  await exited;
});

test("a signed-in page during a database outage explains that nothing was lost", async ({ browser }) => {
  const context = await browser.newContext({ baseURL });
  const session = await encode({
    token: { sub: "a-staff-member", sid: "their-session", authTime: Date.now() },
    secret: AUTH_SECRET,
    salt: SESSION_COOKIE,
  });
  await context.addCookies([{ name: SESSION_COOKIE, value: session, url: baseURL }]);
  const page = await context.newPage();
  const response = await page.goto("/staff/customers");
  expect(response?.status()).toBe(500);
  await expect(page.getByRole("heading", { name: "Something went wrong on our side" })).toBeVisible();
  await expect(page.getByText("Nothing was lost")).toBeVisible();
  await page.screenshot({ path: "tests/artifacts/database-outage.png", fullPage: true });
  await context.close();
});

test("a form sent during a database outage explains that nothing was lost", async ({ browser }) => {
  const page = await (await browser.newContext({ baseURL })).newPage();
  await page.goto("/portal/sign-in");
  await page.getByRole("textbox", { name: "Email" }).fill("someone@customer.example");
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByRole("heading", { name: "Something went wrong on our side" })).toBeVisible();
  await expect(page.getByText("Nothing was lost")).toBeVisible();
  // Trying again brings the form back.
  await page.getByRole("button", { name: "Try again" }).click();
  await expect(page.getByRole("button", { name: "Email me a sign-in link" })).toBeVisible();
});
