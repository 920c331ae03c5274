import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";

/** Creates a fresh, empty database on the test cluster and returns its URL. */
export async function createTestDatabase(prefix: string): Promise<string> {
  const template = inject("pgUrlTemplate");
  const name = `${prefix}_${randomBytes(4).toString("hex")}`.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  const admin = new pg.Client(template.replace("{db}", "postgres"));
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return template.replace("{db}", name);
}
