/**
 * `npm run migrate`: what a deployment runs once per release, before its web instances and workers start
 * (compose.yaml's `migrate` service): the portal's migrations, the job queue's schema (with jobs of renamed tasks
 * moved), and the first-run data `npm start` also creates — provider settings, the SIP server named by
 * DEFAULT_SIP_SERVER and the first admin (ADMIN_EMAIL, ADMIN_PASSWORD; without it a password is generated and printed
 * once). Needs DATABASE_URL; safe to run again (nothing existing is changed).
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { bootstrap, bootstrapOptions, firstAdminMessage } from "../lib/bootstrap";
import { createDb } from "../lib/db";
import { migrateJobQueue } from "../lib/jobs/worker";
import { ROOT } from "../lib/paths";

const log = (message: string) => console.info(`[migrate] ${message}`);
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error("[migrate] DATABASE_URL is not set: it names the portal's PostgreSQL database.");
  process.exit(2);
}

const migrated = spawnSync(process.execPath, [path.join(ROOT, "scripts", "prisma.mjs"), "migrate", "deploy"], {
  cwd: ROOT,
  env: process.env,
  stdio: "inherit",
});
if (migrated.status !== 0) process.exit(migrated.status ?? 1);
await migrateJobQueue(databaseUrl);
log("the job queue's schema is up to date");

const db = createDb(databaseUrl, 2);
try {
  const admin = await bootstrap(db, bootstrapOptions(process.env));
  for (const line of firstAdminMessage(admin)) log(line);
} finally {
  await db.$disconnect();
}
