import { existsSync, readdirSync, statSync } from "node:fs";
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
