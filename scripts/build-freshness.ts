import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/**
 * What the production build is made from: the app's sources, and prisma/ (the schema the generated client, and so the
 * build, is derived from). lib/generated is left out: `npm install` regenerates it without any source changing.
 */
const SOURCE_DIRS = ["app", "components", "lib", "prisma"];
const SOURCE_FILES = ["next.config.mjs", "proxy.ts", "package.json", "postcss.config.mjs"];

/** The newest modification time among the build's sources under `root`. */
export function newestSource(root: string): number {
  let newest = 0;
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === "generated" || entry.name.startsWith(".")) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  for (const dir of SOURCE_DIRS) if (existsSync(path.join(root, dir))) visit(path.join(root, dir));
  for (const file of SOURCE_FILES) {
    if (existsSync(path.join(root, file))) newest = Math.max(newest, statSync(path.join(root, file)).mtimeMs);
  }
  return newest;
}

/** Whether `root/.next` is missing or older than any of its sources, so `npm start` must build first. */
export function buildIsStale(root: string): boolean {
  const buildId = path.join(root, ".next", "BUILD_ID");
  return !existsSync(buildId) || statSync(buildId).mtimeMs < newestSource(root);
}

/**
 * Set by `npm test` (scripts/test.ts) for vitest while it builds the app beside it: the file the build's exit status
 * is written to when it ends.
 */
export const BUILD_STATUS_ENV = "TRUNK_PORTAL_BUILD_STATUS_FILE";

/**
 * For the tests that run the built app: waits for the build `npm test` runs beside vitest and fails, saying so, if
 * that build failed. Outside `npm test` (no build running) it returns at once.
 */
export async function buildBesideTests(timeoutMs: number): Promise<void> {
  const statusFile = process.env[BUILD_STATUS_ENV];
  if (!statusFile) return;
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(statusFile)) {
    if (Date.now() > deadline) throw new Error(`next build (run by npm test) did not end within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const status = readFileSync(statusFile, "utf8").trim();
  if (status !== "0")
    throw new Error(`next build (run by npm test) exited with ${status}: its output follows the tests`);
}
