import os from "node:os";
import path from "node:path";
import { defineConfig } from "@playwright/test";
import { freeSipPort, freeTcpPort } from "./tests/support/kamailio";

const port = Number(process.env.E2E_PORT ?? 3210);
export const E2E_BASE_URL = `http://localhost:${port}`;
/** A throwaway data folder: each run starts from an empty embedded database. */
export const E2E_DATA_DIR = path.join(os.tmpdir(), "trunk-portal-e2e");

// The portal under test runs its SIP registrar (Kamailio) on free ports, never 5060 (other Kamailios may run here).
// Chosen once, in the runner process; the worker processes inherit them through the environment.
process.env.E2E_SIP_PORT ??= String(await freeSipPort());
process.env.E2E_SIP_RPC_PORT ??= String(await freeTcpPort());
export const E2E_SIP_PORT = Number(process.env.E2E_SIP_PORT);

export const E2E_SMTP_PORT = Number(process.env.E2E_SMTP_PORT ?? 2526);
/** Where the test SMTP server files each message it receives (see tests/e2e/global-setup.ts). */
export const E2E_MAIL_DIR = path.join(os.tmpdir(), "trunk-portal-e2e-mail");

export const E2E_ADMIN = { email: "admin@e2e.example", password: "e2e-admin-password" };
/** Mixed case on purpose: the pages must show it exactly as configured. */
export const E2E_SIP_SERVER = "Sip1.CelitoVoice.example";
/** What the Prometheus scraper of the tests sends to /api/metrics. */
export const E2E_METRICS_TOKEN = "e2e-metrics-scraper-token";

/** Specs that change provider-wide settings for a while: nothing else may run beside them. */
const EXCLUSIVE_SPECS = ["account-security.spec.ts", "self-service.spec.ts", "credential-check.spec.ts"];

export default defineConfig({
  testDir: "tests/e2e",
  outputDir: "test-results",
  globalSetup: "./tests/e2e/global-setup.ts",
  fullyParallel: false,
  // Two spec files at a time against the one portal: its users are many at once too. The specs that change what
  // every other spec sees (the staff two-factor requirement, the demo length, a server's check address) run after
  // the rest, one at a time.
  workers: 2,
  projects: [
    { name: "shared", testIgnore: EXCLUSIVE_SPECS },
    { name: "exclusive", testMatch: EXCLUSIVE_SPECS, dependencies: ["shared"], workers: 1 },
  ],
  retries: 0,
  timeout: 60_000,
  // What a user waits for: with two specs at once on a busy two-core machine, a sign-in (argon2id) or a form's
  // server action can take more than the default 5 s. Assertions still pass the moment the page is right.
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  use: {
    baseURL: E2E_BASE_URL,
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
    // The quick start, after the Debian packages the registrar test needs (installed as root, else the command to run).
    command: `npx tsx tests/e2e/install-registrar-packages.ts && rm -rf ${E2E_DATA_DIR} && npx tsx scripts/start.ts`,
    url: `http://localhost:${port}/sign-in`,
    // The first start builds the app (`next build`): about 2 minutes on an idle 2-core machine, over 5 when it is
    // busy. The bound only stops a start that hangs.
    timeout: 900_000,
    reuseExistingServer: false,
    // Ctrl-C, as a user stops `npm start`: the portal then stops its database and Kamailio (a SIGKILL would orphan
    // them; they run in process groups of their own).
    gracefulShutdown: { signal: "SIGINT", timeout: 60_000 },
    stdout: "pipe",
    stderr: "pipe",
    env: {
      DATA_DIR: E2E_DATA_DIR,
      PORT: String(port),
      ADMIN_EMAIL: E2E_ADMIN.email,
      ADMIN_PASSWORD: E2E_ADMIN.password,
      DEFAULT_SIP_SERVER: E2E_SIP_SERVER,
      SMTP_URL: `smtp://127.0.0.1:${E2E_SMTP_PORT}`,
      PORTAL_URL: `http://localhost:${port}`,
      SIP_PORT: String(E2E_SIP_PORT),
      SIP_RPC_PORT: process.env.E2E_SIP_RPC_PORT,
      // The webhook test's receiver runs in the test process, on this machine, over plain http.
      WEBHOOK_HTTP_HOSTS: "127.0.0.1",
      WEBHOOK_ALLOW_PRIVATE_ADDRESSES: "true",
      METRICS_TOKEN: E2E_METRICS_TOKEN,
    },
  },
});
