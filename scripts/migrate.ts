/**
 * `npm run migrate`: what a deployment runs once per release, before its web instances and workers start
 * (compose.yaml's `migrate` service): the portal's migrations, the job queue's schema (with jobs of renamed tasks
 * moved), and the first-run data `npm start` also creates — provider settings, the SIP server named by
 * DEFAULT_SIP_SERVER and the first admin (ADMIN_EMAIL, ADMIN_PASSWORD; without it a password is generated and printed
 * once). Needs DATABASE_URL; safe to run again (nothing existing is changed).
 */
import { bootstrap, bootstrapOptions, firstAdminMessage } from "../lib/bootstrap";
import { createDb } from "../lib/db";
import { migratePortalDatabase } from "../lib/migrations";

const log = (message: string) => console.info(`[migrate] ${message}`);
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error("[migrate] DATABASE_URL is not set: it names the portal's PostgreSQL database.");
  process.exit(2);
}

// A Ctrl-C stops it once the migration under way is applied (lib/migrations.ts: one cut short blocks every later one).
let interrupted = false;
const interrupt = () => {
  if (!interrupted) log("stopping once the migration under way is applied…");
  interrupted = true;
};
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, interrupt);
try {
  await migratePortalDatabase(databaseUrl, { showReport: true });
} catch (error) {
  console.error(`[migrate] ${(error as Error).message}`);
  process.exit(1);
}
if (interrupted) process.exit(130);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.off(signal, interrupt);
log("the portal's database and its job queue's schema are up to date");

const db = createDb(databaseUrl, 2);
try {
  const admin = await bootstrap(db, bootstrapOptions(process.env));
  for (const line of firstAdminMessage(admin)) log(line);
} finally {
  await db.$disconnect();
}
