import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeCommand } from "../../lib/commands";
import type { Db } from "../../lib/db";
import { createTrunk } from "../../lib/trunks";
import { contextFor, createActor, createPortalDatabase } from "../support/portal";

let db: Db;
let hog: ChildProcess | undefined;

beforeAll(async () => {
  ({ db } = await createPortalDatabase("concurrent"));
});
afterAll(async () => {
  hog?.kill("SIGKILL");
  await db?.$disconnect();
});

/** A process that keeps one core busy, as another tenant or a batch job would on a small production machine. */
function startCpuHog(): ChildProcess {
  return spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" });
}

const BURST = 200;

describe("a burst of trunk creations", () => {
  it(`gives ${BURST} simultaneous creations, beside a CPU hog, ${BURST} unique usernames and no error`, async () => {
    const server = await db.sipServer.create({
      data: { hostname: "sip.example.net", realm: "sip.example.net", label: "x" },
    });
    // One short company name for all: every username shares the prefix, so collisions are likelier than in life.
    const customer = await db.customer.create({
      data: { company: "Zz", contactName: "Z", contactEmail: "z@z.example" },
    });
    const sales = await createActor(db, "SALES");
    hog = startCpuHog();
    const results = await Promise.all(
      Array.from({ length: BURST }, () =>
        executeCommand(createTrunk, contextFor(db, sales), {
          customerId: customer.id,
          serverIds: server.id,
          callLimit: "5",
          dialPermission: "US_ONLY",
          callerIdPolicy: "FORCED",
          forcedCallerId: "+12025550100",
        }),
      ),
    );
    hog.kill("SIGKILL");
    expect(results.filter((result) => !result.ok)).toEqual([]);
    const usernames = (await db.trunk.findMany({ select: { username: true } })).map((trunk) => trunk.username);
    expect(usernames).toHaveLength(BURST);
    expect(new Set(usernames).size).toBe(BURST);
    const jobs = await db.$queryRaw<{ count: bigint }[]>`
      SELECT count(*) FROM graphile_worker.jobs WHERE task_identifier = 'registrar.sync-trunk'`;
    expect(Number(jobs[0]?.count)).toBe(BURST);
    expect(await db.mail.count({ where: { kind: "credentials.new" } })).toBe(BURST);
  }, 180_000);
});
