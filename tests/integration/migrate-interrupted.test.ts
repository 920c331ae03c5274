/**
 * A Ctrl-C while the portal's migrations are being applied (`npm run migrate`, or the first `npm start`): the terminal
 * sends SIGINT to its whole foreground process group. Prisma's CLI killed in the middle of a migration leaves it
 * recorded as started and never finished, and every later `prisma migrate deploy` refuses to run (P3009) until someone
 * resolves it by hand: the portal would not start again.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { migratePortalDatabase } from "../../lib/migrations";
import { ROOT } from "../../lib/paths";
import { createTestDatabase } from "../support/database";

const MIGRATIONS = readdirSync(path.join(ROOT, "prisma", "migrations"), { withFileTypes: true }).filter((entry) =>
  entry.isDirectory(),
).length;

/** Whether a migration is being applied right now (its row is written when it starts, finished_at when it ends). */
async function migrationUnderWay(client: pg.Client) {
  try {
    const { rows } = await client.query("SELECT 1 FROM _prisma_migrations WHERE finished_at IS NULL");
    return rows.length > 0;
  } catch {
    return false; // the table does not exist yet
  }
}

describe.each([
  { command: "npm run migrate", script: "migrate.ts", status: 130, says: "stopping once the migration under way" },
  { command: "npm start", script: "start.ts", status: 0, says: "stopping once the database migration under way" },
])("a Ctrl-C while $command migrates", ({ script, status, says }) => {
  // Its time limit is the registrar tests': three Node processes migrate a database in turn (the command, the CLI
  // it runs, the next start's).
  it("lets the migration under way finish, then stops: the next start migrates and runs", async () => {
    const url = await createTestDatabase("interrupted");
    const dataDir = mkdtempSync(path.join(tmpdir(), "interrupted-"));
    // Run in a terminal: the leader of its own process group, as a shell runs a foreground job.
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", script)], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url, DATA_DIR: dataDir, ADMIN_EMAIL: "ops@provider.example" },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const output: string[] = [];
    child.stdout.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

    const client = new pg.Client(url);
    await client.connect();
    try {
      const deadline = Date.now() + 60_000;
      while (!(await migrationUnderWay(client))) {
        if (Date.now() > deadline) throw new Error(`no migration started:\n${output.join("")}`);
      }
      process.kill(-(child.pid as number), "SIGINT");
      expect(await exited, output.join("")).toBe(status);
      expect(output.join("")).toContain(says);
      // It stopped once every migration was applied, none cut short…
      const { rows } = await client.query<{ finished: boolean }>(
        "SELECT finished_at IS NOT NULL AS finished FROM _prisma_migrations",
      );
      expect(rows).toEqual(Array(MIGRATIONS).fill({ finished: true }));
      // …so the next start's migrate succeeds.
      await expect(migratePortalDatabase(url)).resolves.toBeUndefined();
    } finally {
      await client.end();
      if (child.exitCode === null && child.signalCode === null) process.kill(-(child.pid as number), "SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
