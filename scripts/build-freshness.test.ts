import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BUILD_STATUS_ENV, buildBesideTests, buildIsStale } from "./build-freshness";

let root: string;
const at = (seconds: number) => new Date(1_800_000_000_000 + seconds * 1000);

/** Writes a file under the fake project with a given modification time. */
function touch(file: string, seconds: number) {
  const full = path.join(root, file);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, "x");
  utimesSync(full, at(seconds), at(seconds));
}

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), "build-freshness-"));
  for (const file of ["app/page.tsx", "lib/db.ts", "prisma/schema.prisma", "package.json"]) touch(file, 0);
  touch(".next/BUILD_ID", 10);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("npm start's rebuild check", () => {
  it("keeps a build newer than every source", () => {
    expect(buildIsStale(root)).toBe(false);
  });

  it("rebuilds when there is no build yet", () => {
    rmSync(path.join(root, ".next"), { recursive: true });
    expect(buildIsStale(root)).toBe(true);
  });

  it("rebuilds when app sources changed", () => {
    touch("app/page.tsx", 20);
    expect(buildIsStale(root)).toBe(true);
  });

  it("rebuilds when the Prisma schema or a migration changed", () => {
    touch("prisma/schema.prisma", 20);
    expect(buildIsStale(root)).toBe(true);
    touch("prisma/schema.prisma", 0);
    touch("prisma/migrations/20990101000000_x/migration.sql", 20);
    expect(buildIsStale(root)).toBe(true);
  });

  it("ignores the generated client, which npm install rewrites without any source changing", () => {
    touch("lib/generated/prisma/client.ts", 20);
    expect(buildIsStale(root)).toBe(false);
  });
});

describe("the tests that run the built app, while npm test builds it beside them", () => {
  afterEach(() => {
    delete process.env[BUILD_STATUS_ENV];
  });

  it("wait until the build has ended", async () => {
    process.env[BUILD_STATUS_ENV] = path.join(root, "next-build.status");
    let ended = false;
    const waiting = buildBesideTests(10_000).then(() => {
      ended = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(ended).toBe(false);
    writeFileSync(path.join(root, "next-build.status"), "0");
    await waiting;
    expect(ended).toBe(true);
  });

  it("fail, with the build's exit status, when it failed", async () => {
    process.env[BUILD_STATUS_ENV] = path.join(root, "next-build.status");
    writeFileSync(path.join(root, "next-build.status"), "1");
    await expect(buildBesideTests(10_000)).rejects.toThrow("next build (run by npm test) exited with 1");
  });

  it("fail when the build does not end in time", async () => {
    process.env[BUILD_STATUS_ENV] = path.join(root, "never-written.status");
    await expect(buildBesideTests(600)).rejects.toThrow("did not end within 600 ms");
  });

  it("do not wait outside npm test", async () => {
    await expect(buildBesideTests(0)).resolves.toBeUndefined();
  });
});
