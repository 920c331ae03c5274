import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { E2E_MAIL_DIR, E2E_SMTP_PORT } from "../../playwright.config";
import { CHROMIUM, ensureDebianPackages } from "../support/debian";
import { TestSmtpServer } from "../support/smtp";

/** Chromium, and a real SMTP server that files every message it receives as JSON for the tests to read. */
export default async function globalSetup() {
  ensureDebianPackages([CHROMIUM]);
  rmSync(E2E_MAIL_DIR, { recursive: true, force: true });
  mkdirSync(E2E_MAIL_DIR, { recursive: true });
  const smtp = new TestSmtpServer();
  const push = smtp.received.push.bind(smtp.received);
  smtp.received.push = (...mails) => {
    for (const mail of mails) {
      writeFileSync(
        path.join(E2E_MAIL_DIR, `${Date.now()}-${Math.random().toString(36).slice(2)}.json`),
        JSON.stringify(mail),
      );
    }
    return push(...mails);
  };
  await smtp.start(E2E_SMTP_PORT);
  return () => smtp.stop();
}
