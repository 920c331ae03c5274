import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../lib/embedded-postgres";
import { createPortalTemplate } from "./portal-template";

declare module "vitest" {
  export interface ProvidedContext {
    /** URL template of a throwaway PostgreSQL cluster for this test run; replace `{db}` with a database name. */
    pgUrlTemplate: string;
  }
}

/**
 * One embedded PostgreSQL cluster per test run; each test file creates its own databases on it, the portal's as copies
 * of one migrated template (./portal-template).
 */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "trunk-portal-test-pg-"));
  const pg = await startEmbeddedPostgres({ dir, persistent: false, quiet: true });
  const stop = async () => {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await createPortalTemplate(pg.url);
  } catch (error) {
    await stop();
    throw error;
  }
  project.provide("pgUrlTemplate", pg.url("{db}"));
  return stop;
}
