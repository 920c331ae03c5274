import pg from "pg";
import { migratePortalDatabase } from "../../lib/migrations";

/**
 * The migrated, empty portal database every test file's own databases are copied from (`CREATE DATABASE … TEMPLATE`,
 * about 0.1 s), instead of each file running `prisma migrate deploy` (a Node process of 3 s CPU and 10 s or more on
 * a busy two-core machine, 44 times a run). Made once per test run by the global set-up, the way a deployment
 * migrates: the schema-migrations test checks what it holds against the Prisma schema.
 */
export const PORTAL_TEMPLATE = "portal_template";

/** Creates and migrates the template on the cluster whose database URLs `urlOf` gives. */
export async function createPortalTemplate(urlOf: (database: string) => string): Promise<void> {
  const admin = new pg.Client(urlOf("postgres"));
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${PORTAL_TEMPLATE}"`);
    await migratePortalDatabase(urlOf(PORTAL_TEMPLATE));
    // A copy fails while anything is connected to its template: nothing may connect to it from now on.
    await admin.query(`ALTER DATABASE "${PORTAL_TEMPLATE}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
  } finally {
    await admin.end();
  }
}
