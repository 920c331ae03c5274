import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeCommand } from "../../lib/commands";
import { digestHashes } from "../../lib/credentials/digest";
import { createDemoAccount } from "../../lib/customers";
import type { Db } from "../../lib/db";
import { resetTrunkPassword, revealTrunkPassword } from "../../lib/trunks";
import { contextFor, createActor, createPortalDatabase } from "../support/portal";

let db: Db;
let url: string;

beforeAll(async () => {
  ({ db, url } = await createPortalDatabase("secrets"));
  await db.sipServer.create({ data: { hostname: "Sip1.Example.net", realm: "sip1.example.net", label: "US" } });
});
afterAll(() => db?.$disconnect());

/** Every row of every table in the database (all schemas, the job queue's included), as JSON text. */
async function dumpDatabase(): Promise<string> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    const tables = await client.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
       WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    expect(tables.rows.map((table) => table.name)).toEqual(expect.arrayContaining(["Trunk", "AuditLog"]));
    const dumps: string[] = [];
    for (const { schema, name } of tables.rows) {
      const rows = await client.query(`SELECT row_to_json(t)::text AS row FROM "${schema}"."${name}" t`);
      dumps.push(...rows.rows.map((row) => row.row));
    }
    return dumps.join("\n");
  } finally {
    await client.end();
  }
}

describe("SIP passwords at rest", () => {
  it("never appear in the database, only their ciphertext and HA1 hashes", async () => {
    const sales = await createActor(db, "SALES");
    const support = await createActor(db, "SUPPORT");
    const created = await executeCommand(createDemoAccount, contextFor(db, sales), {
      company: "Secret Keepers",
      contactName: "Keeper",
      contactEmail: "keeper@secrets.example",
    });
    if (!created.ok) throw new Error(created.formError);
    const trunkId = created.value.trunk.id;

    const revealed = await executeCommand(revealTrunkPassword, contextFor(db, support), { trunkId });
    if (!revealed.ok) throw new Error(revealed.formError);
    const password = revealed.value.password;
    expect(password).toHaveLength(24);

    // The stored hashes are the real digest of that password for the server's realm.
    const row = await db.trunkServer.findFirstOrThrow({ where: { trunkId } });
    const trunk = await db.trunk.findUniqueOrThrow({ where: { id: trunkId } });
    expect(row).toMatchObject(digestHashes(trunk.username, "sip1.example.net", password));

    const dump = await dumpDatabase();
    expect(dump).toContain(trunk.username);
    expect(dump).toContain(trunk.passwordCiphertext);
    expect(dump).not.toContain(password);
    // Nor any long fragment of it (e.g. in a JSON-escaped audit detail).
    expect(dump).not.toContain(password.slice(0, 12));
    expect(dump).not.toContain(password.slice(-12));

    const reveals = await db.auditLog.findMany({ where: { action: "trunk.reveal-password", targetId: trunkId } });
    expect(reveals).toHaveLength(1);
    expect(reveals[0]?.actorEmail).toBe(support.email);
  });

  it("a reset replaces the password, its ciphertext and its hashes", async () => {
    const support = await createActor(db, "SUPPORT");
    const trunk = await db.trunk.findFirstOrThrow({ include: { servers: true } });
    const before = await executeCommand(revealTrunkPassword, contextFor(db, support), { trunkId: trunk.id });
    const reset = await executeCommand(resetTrunkPassword, contextFor(db, support), { trunkId: trunk.id });
    expect(reset.ok).toBe(true);
    const after = await executeCommand(revealTrunkPassword, contextFor(db, support), { trunkId: trunk.id });
    if (!before.ok || !after.ok) throw new Error("reveal failed");
    expect(after.value.password).not.toBe(before.value.password);
    const row = await db.trunkServer.findFirstOrThrow({ where: { trunkId: trunk.id } });
    expect(row).toMatchObject(digestHashes(trunk.username, "sip1.example.net", after.value.password));
    expect(await dumpDatabase()).not.toContain(before.value.password);
  });
});
