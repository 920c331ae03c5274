import os from "node:os";
import path from "node:path";
import { defineConfig } from "@playwright/test";

const port = Number(process.env.E2E_PORT ?? 3210);
/** A throwaway data folder: each run starts from an empty embedded database. */
export const E2E_DATA_DIR = path.join(os.tmpdir(), "trunk-portal-e2e");
const dataDir = E2E_DATA_DIR;

export const E2E_SMTP_PORT = Number(process.env.E2E_SMTP_PORT ?? 2526);
/** Where the test SMTP server files each message it receives (see tests/e2e/global-setup.ts). */
export const E2E_MAIL_DIR = path.join(os.tmpdir(), "trunk-portal-e2e-mail");

export const E2E_ADMIN = { email: "admin@e2e.example", password: "e2e-admin-password" };
/** Mixed case on purpose: the pages must show it exactly as configured. */
export const E2E_SIP_SERVER = "Sip1.CelitoVoice.example";

export default defineConfig({
  testDir: "tests/e2e",
  outputDir: "test-results",
  globalSetup: "./tests/e2e/global-setup.ts",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  reporter: [["list"]],
  use: {
    baseURL: `http://localhost:${port}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    command: `rm -rf ${dataDir} && npx tsx scripts/start.ts`,
    url: `http://localhost:${port}/sign-in`,
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      DATA_DIR: dataDir,
      PORT: String(port),
      ADMIN_EMAIL: E2E_ADMIN.email,
      ADMIN_PASSWORD: E2E_ADMIN.password,
      DEFAULT_SIP_SERVER: E2E_SIP_SERVER,
      SMTP_URL: `smtp://127.0.0.1:${E2E_SMTP_PORT}`,
      PORTAL_URL: `http://localhost:${port}`,
    },
  },
});
