import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeCommand } from "../../lib/commands";
import { createDemoAccount } from "../../lib/customers";
import type { Db } from "../../lib/db";
import { SEND_MAIL_TASK } from "../../lib/mail/queue";
import { ROOT } from "../../lib/paths";
import { ensureRegistrarSchema } from "../../lib/registrar/schema";
import { createTestDatabase } from "../support/database";
import { contextFor, createActor, createPortalDatabase, startTestWorker, waitForQueueToDrain } from "../support/portal";
import { TestSmtpServer } from "../support/smtp";

let db: Db;
let url: string;
let smtp: TestSmtpServer;
let child: ChildProcess | undefined;

beforeAll(async () => {
  ({ db, url } = await createPortalDatabase("crash"));
  await db.sipServer.create({ data: { hostname: "sip.crash.example", realm: "sip.crash.example", label: "x" } });
  smtp = await new TestSmtpServer().start();
});
afterAll(async () => {
  child?.kill("SIGKILL");
  await smtp?.stop();
  await db?.$disconnect();
});

/** `npm run worker` as its own process, so it can be killed like a crashed server. */
async function spawnWorkerProcess() {
  const registrarUrl = await createTestDatabase("crash_registrar");
  await ensureRegistrarSchema(registrarUrl);
  return spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "worker.ts")], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url, SMTP_URL: smtp.url, REGISTRAR_DATABASE_URL: registrarUrl },
    stdio: "ignore",
  });
}

describe("a worker killed mid-send", () => {
  it("does not lose the message: another worker delivers it, once", async () => {
    smtp.stall = true;
    child = await spawnWorkerProcess();
    const sales = await createActor(db, "SALES");
    const created = await executeCommand(createDemoAccount, contextFor(db, sales), {
      company: "Crash Test",
      contactName: "Dummy",
      contactEmail: "dummy@crash.example",
    });
    expect(created.ok).toBe(true);

    // The worker process has sent the whole message and waits for the server's answer…
    const started = (
      await smtp.waitFor((all) => all.some((m) => m.to === "dummy@crash.example"), 30_000, smtp.unacknowledged)
    ).find((m) => m.to === "dummy@crash.example");
    expect((await db.mail.findFirstOrThrow({ where: { to: "dummy@crash.example" } })).status).toBe("SENDING");
    // …when it dies.
    child.kill("SIGKILL");
    await new Promise((resolve) => child?.once("exit", resolve));
    smtp.stall = false;

    const survivor = await startTestWorker({ db, url, smtpUrl: smtp.url, staleAfterMs: 2000 });
    try {
      await smtp.waitFor((all) => all.some((m) => m.to === "dummy@crash.example"), 30_000);
      // Once the queue is empty nothing can send it again: what arrived by then is everything that ever will.
      await waitForQueueToDrain(db, SEND_MAIL_TASK);
      const stored = await db.mail.findFirstOrThrow({ where: { to: "dummy@crash.example" } });
      const delivered = smtp.received.filter((m) => m.to === "dummy@crash.example");
      expect(delivered).toHaveLength(1);
      // The interrupted attempt and the delivery are one message to the receiving side: the same Message-ID.
      expect(delivered[0]?.messageId).toBe(stored.messageId);
      expect(started?.messageId).toBe(stored.messageId);
      expect(stored.status).toBe("SENT");
      expect(stored.attempts).toBeGreaterThanOrEqual(2);
    } finally {
      await survivor.stop();
    }
  });
});
