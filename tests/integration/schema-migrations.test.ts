/**
 * The migrations build exactly the database prisma/schema.prisma describes. Migrations are written by hand from a
 * schema diff (README, "Changing the database schema"), often on parallel branches: a column, index, enum value or
 * foreign key that one side has and the other lacks would only show up in production.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../lib/db";
import { ROOT } from "../../lib/paths";
import { createTestDatabase } from "../support/database";
import { createPortalDatabase } from "../support/portal";

let migrated: Db;
let migratedUrl: string;
let pushedUrl: string;

beforeAll(async () => {
  ({ db: migrated, url: migratedUrl } = await createPortalDatabase("migrated"));
  pushedUrl = await createTestDatabase("pushed");
  // The schema's trigram indexes need pg_trgm, which a migration creates; Prisma declares extensions only behind a
  // preview feature, so the pushed database gets it the way the first migration that needs it does.
  const setup = new pg.Client(pushedUrl);
  await setup.connect();
  await setup.query("CREATE EXTENSION IF NOT EXISTS pg_trgm").finally(() => setup.end());
  const push = spawnSync(
    process.execPath,
    [path.join(ROOT, "scripts", "prisma.mjs"), "db", "push", "--skip-generate"],
    {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: pushedUrl },
      encoding: "utf8",
    },
  );
  if (push.status !== 0) throw new Error(`prisma db push failed:\n${push.stdout}\n${push.stderr}`);
});
afterAll(() => migrated?.$disconnect());

async function rows(url: string, sql: string): Promise<string[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    const result = await client.query({ text: sql, rowMode: "array" });
    return result.rows.map((row: unknown[]) => row.join(" | "));
  } finally {
    await client.end();
  }
}

const PUBLIC_TABLES = "table_schema = 'public' AND table_name <> '_prisma_migrations'";

describe("the migrations and prisma/schema.prisma", () => {
  it("have the same tables and columns, with the same types, nullability and defaults", async () => {
    const sql = `SELECT table_name, column_name, data_type, udt_name, is_nullable, coalesce(column_default, '')
                 FROM information_schema.columns WHERE ${PUBLIC_TABLES} ORDER BY 1, 2`;
    expect(await rows(migratedUrl, sql)).toEqual(await rows(pushedUrl, sql));
  });

  it("have the same enums, with their values in the same order", async () => {
    const sql = `SELECT t.typname, e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
                 ORDER BY t.typname, e.enumsortorder`;
    expect(await rows(migratedUrl, sql)).toEqual(await rows(pushedUrl, sql));
  });

  it("have the same primary keys, unique constraints and foreign keys", async () => {
    const sql = `SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
                 WHERE contype IN ('p', 'u', 'f') AND connamespace = 'public'::regnamespace
                   AND conrelid::regclass::text <> '_prisma_migrations'
                 ORDER BY 1, 2`;
    expect(await rows(migratedUrl, sql)).toEqual(await rows(pushedUrl, sql));
  });

  it("have every index the schema declares (migrations may add hand-written ones, e.g. trigram indexes)", async () => {
    const sql = `SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'
                 ORDER BY 1`;
    // A migration may make a declared index covering (INCLUDE) or set its storage parameters (WITH): Prisma's schema
    // cannot express either.
    const declared = (index: string) => index.replace(/ WITH \([^)]*\)$/, "").replace(/ INCLUDE \([^)]*\)$/, "");
    const fromMigrations = new Set((await rows(migratedUrl, sql)).map(declared));
    expect((await rows(pushedUrl, sql)).filter((index) => !fromMigrations.has(index))).toEqual([]);
  });
});
