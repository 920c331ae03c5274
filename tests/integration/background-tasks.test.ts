import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../lib/db";
import { RENAMED_TASKS } from "../../lib/jobs/renamed-tasks";
import { DEMO_EXPIRY_TASK, jobTasks, SCHEDULE, type WorkerDependencies } from "../../lib/jobs/tasks";
import { migrateJobQueue } from "../../lib/jobs/worker";
import { RECONCILE_TASK } from "../../lib/registrar/reconciliation-runs";
import { createPortalDatabase, startTestWorker } from "../support/portal";

let db: Db;
let url: string;
let worker: Awaited<ReturnType<typeof startTestWorker>> | undefined;

beforeAll(async () => {
  ({ db, url } = await createPortalDatabase("task_names"));
});
afterAll(async () => {
  await worker?.stop();
  await db?.$disconnect();
});

describe("background task identifiers", () => {
  it("all read area.task-name, and every renamed one names a task the worker runs", () => {
    // Only the task names are read here: the worker's collaborators are never called.
    const tasks = Object.keys(jobTasks({} as WorkerDependencies));
    for (const task of tasks) expect(task).toMatch(/^[a-z]+\.[a-z]+(-[a-z]+)*$/);
    for (const to of Object.values(RENAMED_TASKS)) expect(tasks).toContain(to);
    for (const item of SCHEDULE) expect(tasks).toContain(item.task);
  });

  it("jobs queued and schedules recorded under the old names before an upgrade run under the new ones", async () => {
    const run = await db.reconciliationRun.create({ data: { trigger: "manual", requestedBy: null } });
    await db.$executeRaw`SELECT graphile_worker.add_job('registrar_reconcile', ${JSON.stringify({ runId: run.id })}::json)`;
    const lastRun = new Date(Date.now() - 30_000);
    await db.$executeRaw`
      INSERT INTO graphile_worker._private_known_crontabs (identifier, known_since, last_execution)
      VALUES ('customers_demo_expiry', now() - interval '1 day', ${lastRun})`;

    // What every start does before the worker runs (npm start, npm run worker).
    await migrateJobQueue(url);

    const jobs = await db.$queryRaw<{ task_identifier: string }[]>`SELECT task_identifier FROM graphile_worker.jobs`;
    expect(jobs.map((job) => job.task_identifier)).toEqual([RECONCILE_TASK]);
    const crontabs = await db.$queryRaw<{ identifier: string; last_execution: Date }[]>`
      SELECT identifier, last_execution FROM graphile_worker._private_known_crontabs`;
    expect(crontabs).toEqual([{ identifier: DEMO_EXPIRY_TASK, last_execution: lastRun }]);

    worker ??= await startTestWorker({ db, url });
    await expect
      .poll(async () => (await db.reconciliationRun.findUniqueOrThrow({ where: { id: run.id } })).finishedAt, {
        timeout: 30_000,
      })
      .not.toBeNull();
  });

  it("a job whose payload its task cannot read fails with an error naming the task and the field", async () => {
    worker ??= await startTestWorker({ db, url });
    await db.$executeRaw`
      SELECT graphile_worker.add_job('mail.send', '{"mail": "not-a-field"}'::json, max_attempts := 1)`;
    await expect
      .poll(
        async () =>
          (
            await db.$queryRaw<{ last_error: string | null }[]>`
              SELECT last_error FROM graphile_worker.jobs WHERE task_identifier = 'mail.send'`
          )[0]?.last_error,
        { timeout: 30_000 },
      )
      .toMatch(/^mail\.send: invalid payload: .*mailId/s);
  });
});
