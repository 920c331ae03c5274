/**
 * `npm test`: the whole suite — unit, integration on a real PostgreSQL, registrar tests on a real Kamailio + SIPp,
 * then Playwright end-to-end tests in Debian's Chromium against the built app. Prints one closing tally.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "../lib/paths";

// Outside test-results/, which Playwright empties when it starts.
const resultsDir = mkdtempSync(path.join(os.tmpdir(), "trunk-portal-results-"));
const vitestJson = path.join(resultsDir, "vitest.json");
const playwrightJson = path.join(resultsDir, "playwright.json");
const bin = (name: string) => path.join(ROOT, "node_modules", ".bin", name);

function run(command: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(command, args, { cwd: ROOT, stdio: "inherit", env: { ...process.env, ...env } }).status ?? 1;
}

const vitestStatus = run(bin("vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile=${vitestJson}`]);
console.info(`vitest exited with ${vitestStatus}`);
const playwrightStatus = run(bin("playwright"), ["test", "--reporter=list,json"], {
  PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson,
});

function tally(file: string, read: (report: Record<string, unknown>) => [number, number]): [number, number] {
  if (!existsSync(file)) return [0, 0];
  return read(JSON.parse(readFileSync(file, "utf8")));
}
const [vitestPassed, vitestFailed] = tally(vitestJson, (report) => [
  Number(report.numPassedTests ?? 0),
  Number(report.numFailedTests ?? 0),
]);
const [playwrightPassed, playwrightFailed] = tally(playwrightJson, (report) => {
  const stats = (report.stats ?? {}) as Record<string, number>;
  return [stats.expected ?? 0, (stats.unexpected ?? 0) + (stats.flaky ?? 0)];
});

const passed = vitestPassed + playwrightPassed;
const failed = vitestFailed + playwrightFailed;
console.info(`\ntests: ${passed} passed, ${failed} failed`);
process.exit(vitestStatus || playwrightStatus || (passed === 0 ? 1 : 0));
