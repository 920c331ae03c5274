import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { playwrightOutcome, verdict, vitestOutcome } from "./test-report";

const dir = mkdtempSync(path.join(os.tmpdir(), "test-report-"));
function report(name: string, content: unknown) {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(content));
  return file;
}
const vitestReport = (fields: Record<string, number>) =>
  report(`v-${Math.random()}.json`, {
    numPassedTests: 0,
    numFailedTests: 0,
    numPendingTests: 0,
    numTodoTests: 0,
    numFailedTestSuites: 0,
    ...fields,
  });

describe("the verdict of npm test", () => {
  test("passes only when every suite ran tests and none failed", () => {
    const suites = [
      vitestOutcome(0, vitestReport({ numPassedTests: 10 })),
      playwrightOutcome(
        0,
        report("p-ok.json", { stats: { expected: 3, unexpected: 0, flaky: 0, skipped: 0 }, errors: [] }),
      ),
    ];
    expect(verdict(suites)).toEqual({ lines: ["tests: 13 passed, 0 failed"], exitCode: 0 });
  });

  test("fails on a failed test even when the runner exited 0", () => {
    const result = verdict([vitestOutcome(0, vitestReport({ numPassedTests: 312, numFailedTests: 1 }))]);
    expect(result.exitCode).toBe(1);
    expect(result.lines[0]).toBe("tests: 312 passed, 1 failed");
  });

  test("fails when a runner exits non-zero with a clean report", () => {
    expect(verdict([vitestOutcome(1, vitestReport({ numPassedTests: 5 }))]).exitCode).toBe(1);
    expect(verdict([vitestOutcome(null, vitestReport({ numPassedTests: 5 }))]).exitCode).toBe(1);
  });

  test("fails on a missing or unreadable report", () => {
    expect(verdict([vitestOutcome(0, path.join(dir, "absent.json"))]).lines).toContain(
      "FAILED: vitest wrote no report",
    );
    const broken = path.join(dir, "broken.json");
    writeFileSync(broken, "{");
    expect(verdict([playwrightOutcome(0, broken)]).exitCode).toBe(1);
  });

  test("fails on a file that did not load, a skipped test, a flaky test or an error outside tests", () => {
    expect(verdict([vitestOutcome(0, vitestReport({ numPassedTests: 5, numFailedTestSuites: 1 }))]).exitCode).toBe(1);
    expect(verdict([vitestOutcome(0, vitestReport({ numPassedTests: 5, numPendingTests: 1 }))]).exitCode).toBe(1);
    const flaky = report("p-flaky.json", { stats: { expected: 3, unexpected: 0, flaky: 1, skipped: 0 }, errors: [] });
    expect(verdict([playwrightOutcome(0, flaky)]).exitCode).toBe(1);
    const setupError = report("p-err.json", {
      stats: { expected: 0, unexpected: 0, flaky: 0, skipped: 0 },
      errors: [{}],
    });
    expect(verdict([playwrightOutcome(0, setupError)]).lines).toContain(
      "FAILED: playwright: 1 error(s) outside tests (setup or web server)",
    );
  });

  test("fails when nothing ran at all", () => {
    expect(verdict([]).exitCode).toBe(1);
    expect(verdict([vitestOutcome(0, vitestReport({}))]).lines).toContain("FAILED: vitest ran no tests");
  });

  test("names every failed test with the first line of its error, so a log's tail says what failed", () => {
    const vitest = report("v-named.json", {
      numPassedTests: 1,
      numFailedTests: 1,
      numPendingTests: 0,
      numTodoTests: 0,
      // Two files, and the describe block "mail" in the first: vitest counts three failed suites.
      numFailedTestSuites: 3,
      testResults: [
        {
          name: `${process.cwd()}/tests/integration/a.test.ts`,
          status: "failed",
          assertionResults: [
            { fullName: "trunks are created", status: "passed", failureMessages: [] },
            {
              fullName: "mail › is sent once",
              status: "failed",
              failureMessages: ["AssertionError: expected 2 to be 1\n at x"],
            },
          ],
        },
        {
          name: `${process.cwd()}/tests/integration/b.test.ts`,
          status: "failed",
          message: "Hook timed out",
          assertionResults: [],
        },
      ],
    });
    expect(verdict([vitestOutcome(1, vitest)]).lines).toEqual(
      expect.arrayContaining([
        "FAILED: vitest: tests/integration/a.test.ts › mail › is sent once: AssertionError: expected 2 to be 1",
        "FAILED: vitest: tests/integration/b.test.ts: Hook timed out",
        "FAILED: vitest: 2 test file(s) failed (3 failed suites)",
      ]),
    );
    const playwright = report("p-named.json", {
      stats: { expected: 0, unexpected: 1, flaky: 0, skipped: 0 },
      errors: [],
      suites: [
        {
          title: "x.spec.ts",
          specs: [],
          suites: [
            {
              title: "group",
              specs: [
                {
                  title: "a customer signs in",
                  file: "x.spec.ts",
                  line: 12,
                  tests: [
                    {
                      status: "unexpected",
                      results: [{ error: { message: "\u001b[31mTimeout 5000ms exceeded\u001b[39m" } }],
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
    });
    expect(verdict([playwrightOutcome(1, playwright)]).lines).toContain(
      "FAILED: playwright: x.spec.ts:12 › a customer signs in: Timeout 5000ms exceeded",
    );
  });
});
