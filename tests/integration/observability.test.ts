import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeCommand } from "../../lib/commands";
import { createDb, type Db } from "../../lib/db";
import { MAX_QUEUE_LAG_SECONDS, readiness } from "../../lib/observability/health";
import { metrics, metricsResponse } from "../../lib/observability/metrics";
import { createKamailioSqlRegistrar } from "../../lib/registrar/kamailio-sql";
import type { Registrar } from "../../lib/registrar/types";
import { createTrunk } from "../../lib/trunks";
import { contextFor, createActor, createPortalDatabase, startTestWorker, waitForQueueToDrain } from "../support/portal";

let db: Db;
let url: string;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
const closeLater: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  ({ db, url } = await createPortalDatabase("observability"));
  worker = await startTestWorker({ db, url });
  metrics().watchQueue(db);
});
afterAll(async () => {
  await worker?.stop();
  for (const closable of closeLater) await closable.close();
  await db?.$disconnect();
});

/** An address where nothing listens: a port of this machine that was free a moment ago. */
function deadDatabaseUrl(from: string) {
  const dead = new URL(from);
  dead.port = "1";
  return dead.toString();
}

describe("readiness", () => {
  it("is ready when the database, the registrar and the queue are fine", async () => {
    const { httpStatus, body } = await readiness(db, () => worker.registrar);
    expect(httpStatus).toBe(200);
    expect(body.status).toBe("ready");
    expect(body.checks).toMatchObject({ database: { ok: true }, registrar: { ok: true }, queue: { ok: true } });
  });

  it("stays in service but says degraded when the registrar does not answer", async () => {
    const unreachable: Registrar = createKamailioSqlRegistrar(deadDatabaseUrl(worker.registrarUrl));
    closeLater.push(unreachable);
    const { httpStatus, body } = await readiness(db, () => unreachable);
    expect(httpStatus).toBe(200);
    expect(body.status).toBe("degraded");
    expect(body.checks.registrar).toMatchObject({ ok: false, error: expect.any(String) });
  });

  it("is unavailable (503) when its database does not answer", async () => {
    const noDatabase = createDb(deadDatabaseUrl(url));
    try {
      const { httpStatus, body } = await readiness(noDatabase, () => worker.registrar);
      expect(httpStatus).toBe(503);
      expect(body.status).toBe("unavailable");
      expect(body.checks.database.ok).toBe(false);
    } finally {
      await noDatabase.$disconnect();
    }
  });

  it("says degraded when jobs have waited too long (no worker takes them)", async () => {
    await db.$executeRaw`
      SELECT graphile_worker.add_job('observability.nobody-runs-this', '{}'::json,
                                     run_at := now() - ${MAX_QUEUE_LAG_SECONDS * 2} * interval '1 second')`;
    const { httpStatus, body } = await readiness(db, () => worker.registrar);
    expect(httpStatus).toBe(200);
    expect(body.status).toBe("degraded");
    expect(body.checks.queue).toMatchObject({ ok: false });
    expect(body.checks.queue.oldestJobSeconds).toBeGreaterThan(MAX_QUEUE_LAG_SECONDS);
    await db.$executeRaw`DELETE FROM graphile_worker._private_jobs WHERE task_id IN (
      SELECT id FROM graphile_worker._private_tasks WHERE identifier = 'observability.nobody-runs-this')`;
  });
});

describe("metrics", () => {
  const TOKEN = "a-scraper-token-of-some-length";

  it("are served only to a scraper with the token, and not at all without one configured", async () => {
    expect((await metricsResponse(null, undefined)).status).toBe(404);
    expect((await metricsResponse(null, TOKEN)).status).toBe(401);
    expect((await metricsResponse("Bearer not-the-token-at-all-xx", TOKEN)).status).toBe(401);
    expect((await metricsResponse(`Bearer ${TOKEN}`, TOKEN)).status).toBe(200);
  });

  it("report the sync lag of created trunks, the commands' time and the queue", async () => {
    const server = await db.sipServer.create({
      data: { hostname: "Sip1.Metrics.example", realm: "sip1.metrics.example", label: "x" },
    });
    const customer = await db.customer.create({
      data: { company: "Metric Voice", contactName: "M", contactEmail: "m@metric.example" },
    });
    const sales = await createActor(db, "SALES");
    const synced = async () => (await metrics().syncLag.get()).values.find((v) => v.metricName?.endsWith("_count"));
    const before = (await synced())?.value ?? 0;
    for (let i = 0; i < 3; i++) {
      const created = await executeCommand(createTrunk, contextFor(db, sales), {
        customerId: customer.id,
        serverIds: server.id,
        callLimit: "5",
        dialPermission: "US_ONLY",
        callerIdPolicy: "FORCED",
      });
      expect(created.ok).toBe(true);
    }
    await waitForQueueToDrain(db, "registrar.sync-trunk");
    expect((await synced())?.value).toBe(before + 3);

    const { body } = await metricsResponse(`Bearer ${TOKEN}`, TOKEN);
    expect(body).toMatch(/^trunk_portal_sync_lag_seconds_count \d+$/m);
    expect(body).toMatch(/^trunk_portal_command_duration_seconds_count\{command="trunk.create",outcome="ok"\} [1-9]/m);
    expect(body).toContain("# TYPE trunk_portal_queue_depth gauge");
    expect(body).toContain("# TYPE trunk_portal_sign_in_failures_total counter");
    expect(body).toMatch(/^trunk_portal_process_resident_memory_bytes \d+/m);
  });
});
