import { spawn } from "node:child_process";
import path from "node:path";
import { migrateJobQueue } from "./jobs/worker";
import { ROOT } from "./paths";

export type MigrateOptions = {
  /** Prisma's report goes to this process's terminal (`npm run migrate`); otherwise it is shown only on failure. */
  showReport?: boolean;
};

/**
 * Brings a portal database up to date, as every deployment does before its web servers and workers start: the
 * portal's migrations (`prisma migrate deploy`, Prisma's CLI in a child process), then the job queue's schema, with
 * the jobs of renamed tasks moved. The one way `npm start`, `npm run migrate`, the tests and the benchmarks migrate.
 */
export async function migratePortalDatabase(databaseUrl: string, options: MigrateOptions = {}): Promise<void> {
  // Prisma runs in a process group of its own, so a Ctrl-C in the terminal (SIGINT to the foreground group) cannot cut
  // a migration short: Prisma records one cut short as failed, and every later deploy refuses to run (P3009) until
  // someone resolves it by hand. A caller stopped meanwhile waits for it instead (a few seconds).
  const child = spawn(process.execPath, [path.join(ROOT, "scripts", "prisma.mjs"), "migrate", "deploy"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ["ignore", options.showReport ? "inherit" : "pipe", options.showReport ? "inherit" : "pipe"],
    detached: true,
  });
  const output: string[] = [];
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (...exit) => resolve(exit));
  });
  if (code !== 0) {
    const report = output.join("").trim();
    throw new Error(`prisma migrate deploy failed (${signal ?? `exit ${code}`})${report ? `:\n${report}` : ""}`);
  }
  await migrateJobQueue(databaseUrl);
}
