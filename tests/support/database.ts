import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";

/**
 * Creates a fresh database on the test cluster, empty or a copy of the database named `copyOf`, and returns its URL.
 */
export async function createTestDatabase(prefix: string, copyOf?: string): Promise<string> {
  const urlOf = (database: string) => inject("pgUrlTemplate").replace("{db}", database);
  const name = `${prefix}_${randomBytes(4).toString("hex")}`.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  const admin = new pg.Client(urlOf("postgres"));
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"${copyOf ? ` TEMPLATE "${copyOf}"` : ""}`);
  } finally {
    await admin.end();
  }
  return urlOf(name);
}
