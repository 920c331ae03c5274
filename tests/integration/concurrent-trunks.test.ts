import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeCommand } from "../../lib/commands";
import type { Db } from "../../lib/db";
import { createTrunk } from "../../lib/trunks";
import { contextFor, createActor, createPortalDatabase } from "../support/portal";

let db: Db;

beforeAll(async () => {
  ({ db } = await createPortalDatabase("concurrent"));
});
afterAll(() => db?.$disconnect());

describe("creating trunks concurrently", () => {
  it("gives 50 simultaneous creations 50 unique usernames without an error", async () => {
    const server = await db.sipServer.create({
      data: { hostname: "sip.example.net", realm: "sip.example.net", label: "x" },
    });
    // One short company name for all: every username shares the prefix, so collisions are likelier than in life.
    const customer = await db.customer.create({
      data: { company: "Zz", contactName: "Z", contactEmail: "z@z.example" },
    });
    const sales = await createActor(db, "SALES");
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
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
    expect(results.filter((result) => !result.ok)).toEqual([]);
    const usernames = (await db.trunk.findMany({ select: { username: true } })).map((trunk) => trunk.username);
    expect(usernames).toHaveLength(50);
    expect(new Set(usernames).size).toBe(50);
    const jobs = await db.$queryRaw<{ count: bigint }[]>`
      SELECT count(*) FROM graphile_worker.jobs WHERE task_identifier = 'registrar.sync-trunk'`;
    expect(Number(jobs[0]?.count)).toBe(50);
    expect(await db.mail.count({ where: { kind: "credentials.new" } })).toBe(50);
  });
});
