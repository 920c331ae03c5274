/**
 * A trunk order racing a change to its customer's account, on a real PostgreSQL and registrar database: the
 * registrar must end up matching the account as it is once both are done, whichever commits first.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../lib/auth/policy";
import { executeCommand } from "../../lib/commands";
import { createCustomer, lockCustomer } from "../../lib/customers";
import type { Db } from "../../lib/db";
import { createKamailioSqlRegistrar } from "../../lib/registrar/kamailio-sql";
import { ensureRegistrarSchema } from "../../lib/registrar/schema";
import { syncTrunks } from "../../lib/registrar/sync";
import type { Registrar } from "../../lib/registrar/types";
import { createTrunks } from "../../lib/trunks";
import { requestCustomerTrunksSync } from "../../lib/trunks/provision";
import { createTestDatabase } from "../support/database";
import { contextFor, createActor, createPortalDatabase } from "../support/portal";

let db: Db;
let registrar: Registrar;
let registrarDb: pg.Client;
let serverId: string;
let sales: Actor;

beforeAll(async () => {
  ({ db } = await createPortalDatabase("order_races"));
  serverId = (
    await db.sipServer.create({ data: { hostname: "Sip.Race.example", realm: "sip.race.example", label: "x" } })
  ).id;
  const registrarUrl = await createTestDatabase("order_races_registrar");
  await ensureRegistrarSchema(registrarUrl);
  registrar = createKamailioSqlRegistrar(registrarUrl);
  registrarDb = new pg.Client(registrarUrl);
  await registrarDb.connect();
  sales = await createActor(db, "SALES");
});
afterAll(async () => {
  await registrarDb?.end();
  await registrar?.close();
  await db?.$disconnect();
});

/** Whether some session of this database is waiting for a row lock (the order, behind the suspension). */
async function someoneWaitsForALock() {
  const [row] = await db.$queryRaw<{ waiting: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM pg_stat_activity
                   WHERE datname = current_database() AND wait_event_type = 'Lock') AS waiting`;
  return row?.waiting ?? false;
}

describe("a bulk order racing the customer's suspension", () => {
  it("leaves none of the new trunks able to register once the suspension is committed", async () => {
    const created = await executeCommand(createCustomer, contextFor(db, sales), {
      company: "Race Co",
      contactName: "Pat",
      contactEmail: "pat@race.example",
    });
    if (!created.ok) throw new Error(created.formError);
    const customerId = created.value.id;

    // The suspension, as customer.set-status makes it, held open at its end (while it would write its audit entry).
    let commitSuspension = () => {};
    const suspensionHeld = new Promise<void>((resolve) => {
      commitSuspension = resolve;
    });
    let suspensionReady = () => {};
    const suspensionStarted = new Promise<void>((resolve) => {
      suspensionReady = resolve;
    });
    const suspension = db.$transaction(
      async (tx) => {
        await lockCustomer(tx, customerId);
        await tx.customer.update({ where: { id: customerId }, data: { status: "SUSPENDED" } });
        await requestCustomerTrunksSync(tx, customerId);
        suspensionReady();
        await suspensionHeld;
      },
      { timeout: 60_000 },
    );
    await suspensionStarted;

    // The order arrives meanwhile.
    let orderDone = false;
    const order = executeCommand(createTrunks, contextFor(db, sales), {
      customerId,
      count: 3,
      serverIds: [serverId],
      callLimit: 5,
      dialPermission: "US_ONLY",
      callerIdPolicy: "FORCED",
    }).finally(() => {
      orderDone = true;
    });
    while (!orderDone && !(await someoneWaitsForALock())) await new Promise((resolve) => setTimeout(resolve, 20));
    if (orderDone) {
      // The order committed beside the open suspension: the worker syncs its trunks at once, as it does.
      const result = await order;
      if (!result.ok) throw new Error(result.formError);
      await syncTrunks(
        db,
        registrar,
        result.value.map((trunk) => trunk.id),
        { force: false },
      );
    }
    commitSuspension();
    await suspension;
    const result = await order;
    if (!result.ok) throw new Error(result.formError);
    const usernames = result.value.map((trunk) => trunk.username);

    // Every sync still queued runs (the worker's part).
    const pending = await db.trunk.findMany({ where: { customerId, syncState: "PENDING" }, select: { id: true } });
    await syncTrunks(
      db,
      registrar,
      pending.map((trunk) => trunk.id),
      { force: false },
    );

    const { rows } = await registrarDb.query("SELECT username FROM subscriber WHERE username = ANY($1)", [usernames]);
    expect(rows, "trunks of a suspended customer at the registrar").toEqual([]);
    expect(await db.trunk.count({ where: { customerId, syncState: { not: "SYNCED" } } })).toBe(0);
  });
});
