import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSession, revokeSession, startSession } from "../../lib/auth/sessions";
import { checkStaffPassword, SIGN_IN_LIMITS } from "../../lib/auth/sign-in";
import { executeCommand } from "../../lib/commands";
import { createDb, type Db } from "../../lib/db";
import { DEMO_EXPIRY_TASK } from "../../lib/jobs/tasks";
import { SEND_MAIL_TASK } from "../../lib/mail/queue";
import { ROOT } from "../../lib/paths";
import { ensureRegistrarSchema } from "../../lib/registrar/schema";
import { createTrunk } from "../../lib/trunks";
import { SYNC_TRUNK_TASK } from "../../lib/trunks/provision";
import { createTestDatabase } from "../support/database";
import { contextFor, createActor, createPortalDatabase, waitForQueueToDrain } from "../support/portal";
import { TestSmtpServer } from "../support/smtp";

/**
 * Two web instances and two workers on one PostgreSQL, as a deployment that outgrew one machine runs them. The
 * workers are real `npm run worker` processes; the web instances are two database clients of their own (separate
 * pools and caches: all the web tier's state is in the database, which is what this proves).
 */
let url: string;
let registrarUrl: string;
let webA: Db;
let webB: Db;
const smtp = new TestSmtpServer();
const workers: ChildProcess[] = [];

function startWorkerProcess() {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "worker.ts")], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url, REGISTRAR_DATABASE_URL: registrarUrl, SMTP_URL: smtp.url },
    stdio: "ignore",
  });
  workers.push(child);
  return child;
}

beforeAll(async () => {
  const created = await createPortalDatabase("instances");
  url = created.url;
  webA = created.db;
  webB = createDb(url);
  registrarUrl = await createTestDatabase("instances_registrar");
  await ensureRegistrarSchema(registrarUrl);
  await smtp.start();
  // Both workers must be up (each beats into WorkerHeartbeat) before work arrives, or one could do it all.
  startWorkerProcess();
  startWorkerProcess();
  const deadline = Date.now() + 60_000;
  while ((await webA.workerHeartbeat.count()) < 2) {
    if (Date.now() > deadline) throw new Error("the two workers did not start within 60 s");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}, 120_000);

afterAll(async () => {
  for (const child of workers) {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
  }
  await smtp.stop();
  await webB?.$disconnect();
  await webA?.$disconnect();
});

const TRUNKS = 40;

describe("two web instances and two workers on one database", () => {
  it("sync every trunk and send every credentials email exactly once, whichever instance took the order", async () => {
    const server = await webA.sipServer.create({
      data: { hostname: "Sip1.Many.example", realm: "sip1.many.example", label: "x" },
    });
    const customer = await webA.customer.create({
      data: { company: "Many Voice", contactName: "M", contactEmail: "orders@many.example" },
    });
    const sales = await createActor(webA, "SALES");
    const results = await Promise.all(
      Array.from({ length: TRUNKS }, (_, index) =>
        executeCommand(createTrunk, contextFor(index % 2 ? webB : webA, sales), {
          customerId: customer.id,
          serverIds: server.id,
          callLimit: "5",
          dialPermission: "US_ONLY",
          callerIdPolicy: "FORCED",
        }),
      ),
    );
    expect(results.filter((result) => !result.ok)).toEqual([]);
    await waitForQueueToDrain(webA, SYNC_TRUNK_TASK, 60_000);
    await waitForQueueToDrain(webA, SEND_MAIL_TASK, 60_000);

    expect(await webA.trunk.count({ where: { syncState: "SYNCED" } })).toBe(TRUNKS);
    const registrar = new pg.Client({ connectionString: registrarUrl });
    await registrar.connect();
    try {
      const { rows } = await registrar.query("SELECT count(DISTINCT username)::int AS count FROM subscriber");
      expect(rows[0].count).toBe(TRUNKS);
    } finally {
      await registrar.end();
    }
    const sent = await webA.mail.findMany({ where: { kind: "credentials.new" }, select: { messageId: true } });
    expect(sent).toHaveLength(TRUNKS);
    expect(smtp.received.map((mail) => mail.messageId).sort()).toEqual(sent.map((mail) => mail.messageId).sort());
    expect(await webA.mail.count({ where: { status: "SENT" } })).toBe(TRUNKS);
  }, 120_000);

  it("share the sign-in throttle: guesses spread over both web instances count against one limit", async () => {
    const admin = await createActor(webA, "ADMIN");
    const attacker = { ip: "198.51.100.7", userAgent: "test" };
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        checkStaffPassword(index % 2 ? webB : webA, admin.email, "wrong guess", attacker),
      ),
    );
    const checked = results.filter((result) => !result.ok && result.reason === "invalid").length;
    expect(checked).toBe(SIGN_IN_LIMITS.accountFromSource.limit);
  });

  it("share sessions: one signed in on one instance, signed out on the other, is signed out everywhere", async () => {
    const support = await createActor(webA, "SUPPORT");
    const sessionId = await startSession(webA, support.id, "password", { ip: "192.0.2.1", userAgent: "test" });
    expect(await loadSession(webB, support.id, sessionId)).not.toBeNull();
    await revokeSession(webB, sessionId);
    expect(await loadSession(webA, support.id, sessionId)).toBeNull();
  });

  it("run each scheduled task once per period, however many workers run it", async () => {
    // Count every job the schedule queues, in this test's database only.
    await webA.$executeRawUnsafe(`CREATE TABLE scheduled_runs (task text, at timestamptz DEFAULT clock_timestamp())`);
    await webA.$executeRawUnsafe(`
      CREATE FUNCTION count_scheduled_run() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO public.scheduled_runs (task)
          SELECT identifier FROM graphile_worker._private_tasks WHERE id = NEW.task_id;
        RETURN NEW;
      END $$`);
    await webA.$executeRawUnsafe(`
      CREATE TRIGGER count_scheduled_runs AFTER INSERT ON graphile_worker._private_jobs
      FOR EACH ROW EXECUTE FUNCTION count_scheduled_run()`);
    const runs = async () =>
      (
        await webA.$queryRawUnsafe<{ count: number }[]>(
          `SELECT count(*)::int AS count FROM scheduled_runs WHERE task = $1`,
          DEMO_EXPIRY_TASK,
        )
      )[0]?.count ?? 0;
    // The demo expiry runs every minute: wait for the next minute's run, then a few seconds for a duplicate.
    await expect.poll(runs, { timeout: 75_000, interval: 250 }).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await runs()).toBe(1);
    expect(workers.every((child) => child.exitCode === null)).toBe(true);
  }, 120_000);
});
