import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../lib/db";
import { SCHEDULE } from "../../lib/jobs/tasks";
import { ROOT } from "../../lib/paths";
import { ensureRegistrarSchema } from "../../lib/registrar/schema";
import { createTestDatabase } from "../support/database";
import { createPortalDatabase } from "../support/portal";

let db: Db;
let url: string;
let child: ChildProcess | undefined;

beforeAll(async () => {
  ({ db, url } = await createPortalDatabase("schedule"));
});
afterAll(async () => {
  child?.kill("SIGKILL");
  await db?.$disconnect();
});

/** The tasks of the schedule `npm start` runs. */
const scheduledTasks = SCHEDULE.map((item) => item.task).sort();

describe("npm run worker", () => {
  it("runs the same recurring schedule as npm start: reconciliation, demo reminders and expiry, sign-in clean-up, retention, fraud guard, failed-authentication bursts, the registration watch; and stops cleanly on a second signal", async () => {
    expect(scheduledTasks).toEqual([
      "auth.sign-in-cleanup",
      "customers.demo-expiry",
      "customers.demo-expiry-notices",
      "registrar.call-record-retention",
      "registrar.reconcile-scheduled",
      "registrar.registration-watch",
      "retention.prune",
      "trunks.auth-failure-scan",
      "trunks.fraud-guard-scan",
      "trunks.saved-trace-retention",
    ]);
    const registrarUrl = await createTestDatabase("schedule_registrar");
    await ensureRegistrarSchema(registrarUrl);
    child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "worker.ts")], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url, REGISTRAR_DATABASE_URL: registrarUrl },
      stdio: "ignore",
    });
    // graphile-worker records every crontab entry it schedules as soon as its cron starts.
    await expect
      .poll(
        async () =>
          (
            await db.$queryRaw<{ identifier: string }[]>`
              SELECT identifier FROM graphile_worker._private_known_crontabs ORDER BY identifier`
          ).map((row) => row.identifier),
        { timeout: 30_000 },
      )
      .toEqual(scheduledTasks);
    // Stopped the way a supervisor may do it: a second signal while the first one's shutdown runs.
    child.kill("SIGINT");
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
  });
});
