/**
 * The verdict of `npm test`, from the runners' own JSON reports and exit statuses. A run passes only when every
 * suite ran, reported at least one test, and reported no failed, skipped or unloadable test; a runner's exit status
 * alone is never trusted (a library's exit hook once turned vitest's failure into status 0).
 */
import { existsSync, readFileSync } from "node:fs";
import { stripVTControlCharacters } from "node:util";

export type SuiteOutcome = {
  name: string;
  /** The runner's exit status (null when it was killed by a signal). */
  status: number | null;
  passed: number;
  failed: number;
  skipped: number;
  /** Why this suite cannot count as passed, beyond failed tests; empty when it can. */
  problems: string[];
};

type Json = Record<string, unknown>;
const count = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : 0);

function readReport(file: string): Json | null {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Json;
  } catch {
    return null;
  }
}

function outcome(
  name: string,
  status: number | null,
  report: Json | null,
  counts: (report: Json) => Omit<SuiteOutcome, "name" | "status" | "problems"> & { extra: string[] },
  failures: (report: Json) => string[],
): SuiteOutcome {
  if (!report) {
    return { name, status, passed: 0, failed: 0, skipped: 0, problems: [`${name} wrote no report`] };
  }
  const { extra, ...tally } = counts(report);
  const problems = [...extra];
  if (status !== 0) problems.push(`${name} exited with ${status ?? "a signal"}`);
  if (tally.passed + tally.failed + tally.skipped === 0) problems.push(`${name} ran no tests`);
  if (tally.failed > 0) problems.push(`${name}: ${tally.failed} failed`);
  problems.push(...failures(report).map((failure) => `${name}: ${failure}`));
  if (tally.skipped > 0) problems.push(`${name}: ${tally.skipped} skipped (a skipped test did not run)`);
  return { name, status, ...tally, problems };
}

const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);
const text = (value: unknown) => (typeof value === "string" ? value : "");
const relative = (file: string) => file.replace(`${process.cwd()}/`, "");

/** "file › test: first line of the error", short enough that a CI log's tail names every failure. */
function failureLine(where: string, message: string) {
  const firstLine = stripVTControlCharacters(message).trim().split("\n")[0] ?? "";
  return `${where}: ${firstLine.length > 200 ? `${firstLine.slice(0, 200)}…` : firstLine}`;
}

function vitestFailures(report: Json): string[] {
  return list(report.testResults).flatMap((file) => {
    const fileName = relative(text(file.name));
    const failedTests = list(file.assertionResults).filter((test) => test.status === "failed");
    if (failedTests.length === 0) {
      return file.status === "failed" ? [failureLine(fileName, text(file.message) || "the file failed to run")] : [];
    }
    return failedTests.map((test) =>
      failureLine(`${fileName} › ${text(test.fullName)}`, text(list(test.failureMessages)[0])),
    );
  });
}

function playwrightFailures(report: Json): string[] {
  const walk = (suite: Json): string[] => [
    ...list(suite.specs).flatMap((spec) =>
      list(spec.tests)
        .filter((test) => test.status === "unexpected" || test.status === "flaky")
        .map((test) => {
          const error = list(test.results)
            .map((result) => text((result.error as Json | undefined)?.message))
            .find(Boolean);
          return failureLine(
            `${text(spec.file)}:${count(spec.line)} › ${text(spec.title)}${test.status === "flaky" ? " (flaky)" : ""}`,
            error ?? "",
          );
        }),
    ),
    ...list(suite.suites).flatMap(walk),
  ];
  return list(report.suites).flatMap(walk);
}

export function vitestOutcome(status: number | null, reportFile: string): SuiteOutcome {
  return outcome(
    "vitest",
    status,
    readReport(reportFile),
    (report) => {
      // Vitest counts a failed describe block as a failed suite too: the files are counted from the results.
      const failedSuites = count(report.numFailedTestSuites);
      const failedFiles = list(report.testResults).filter((file) => file.status === "failed").length;
      return {
        passed: count(report.numPassedTests),
        failed: count(report.numFailedTests),
        skipped: count(report.numPendingTests) + count(report.numTodoTests),
        extra: failedSuites > 0 ? [`vitest: ${failedFiles} test file(s) failed (${failedSuites} failed suites)`] : [],
      };
    },
    vitestFailures,
  );
}

export function playwrightOutcome(status: number | null, reportFile: string): SuiteOutcome {
  return outcome(
    "playwright",
    status,
    readReport(reportFile),
    (report) => {
      const stats = (report.stats ?? {}) as Json;
      const errors = Array.isArray(report.errors) ? report.errors.length : 0;
      return {
        passed: count(stats.expected),
        failed: count(stats.unexpected) + count(stats.flaky),
        skipped: count(stats.skipped),
        extra: errors > 0 ? [`playwright: ${errors} error(s) outside tests (setup or web server)`] : [],
      };
    },
    playwrightFailures,
  );
}

/** The closing lines and exit status of the whole run. */
export function verdict(suites: SuiteOutcome[]): { lines: string[]; exitCode: number } {
  const passed = suites.reduce((sum, suite) => sum + suite.passed, 0);
  const failed = suites.reduce((sum, suite) => sum + suite.failed, 0);
  const problems = suites.flatMap((suite) => suite.problems);
  const lines = [`tests: ${passed} passed, ${failed} failed`];
  if (problems.length) lines.push(...problems.map((problem) => `FAILED: ${problem}`));
  return { lines, exitCode: problems.length || suites.length === 0 ? 1 : 0 };
}
