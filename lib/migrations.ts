import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { migrateJobQueue } from "./jobs/worker";
import { ROOT } from "./paths";

export type MigrateOptions = {
  /** Prisma's report goes to this process's terminal (`npm run migrate`); otherwise it is shown only on failure. */
  showReport?: boolean;
  /** Called with Prisma's process, so that a caller stopped meanwhile stops it too (`npm start` on Ctrl-C). */
  onStart?: (child: ChildProcess) => void;
};

/**
 * Brings a portal database up to date, as every deployment does before its web servers and workers start: the
 * portal's migrations (`prisma migrate deploy`, Prisma's CLI in a child process), then the job queue's schema, with
 * the jobs of renamed tasks moved. The one way `npm start`, `npm run migrate`, the tests and the benchmarks migrate.
 */
export async function migratePortalDatabase(databaseUrl: string, options: MigrateOptions = {}): Promise<void> {
  const child = spawn(process.execPath, [path.join(ROOT, "scripts", "prisma.mjs"), "migrate", "deploy"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ["ignore", options.showReport ? "inherit" : "pipe", options.showReport ? "inherit" : "pipe"],
  });
  options.onStart?.(child);
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
