/**
 * `npm test`: the whole suite — unit, integration on a real PostgreSQL, registrar tests on a real Kamailio + SIPp,
 * then Playwright end-to-end tests in Debian's Chromium against the built app. Prints one closing tally and exits
 * non-zero on any failed, skipped or missing test, whatever the runners' own exit statuses say (scripts/test-report.ts).
 *
 * For checking this runner itself (tests/integration/test-runner.test.ts): `--vitest-config=FILE` runs vitest with
 * another config, `--no-e2e` leaves Playwright out.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "../lib/paths";
import { buildIsStale } from "./build-freshness";
import { playwrightOutcome, type SuiteOutcome, verdict, vitestOutcome } from "./test-report";

const option = (name: string) =>
  process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? null;
const vitestConfig = option("vitest-config");
const withE2e = !process.argv.includes("--no-e2e");

// Outside test-results/, which Playwright empties when it starts.
const resultsDir = mkdtempSync(path.join(os.tmpdir(), "trunk-portal-results-"));
const vitestJson = path.join(resultsDir, "vitest.json");
const playwrightJson = path.join(resultsDir, "playwright.json");
const bin = (name: string) => path.join(ROOT, "node_modules", ".bin", name);

function run(command: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(command, args, { cwd: ROOT, stdio: "inherit", env: { ...process.env, ...env } }).status;
}

// The tests that start the portal the quick-start way (npm start, Playwright) find the app built, as a user's second
// start does: one build up front instead of inside a test's time limit, where a busy machine made it the slowest step.
if (!vitestConfig && buildIsStale(ROOT)) {
  const buildStatus = run(bin("next"), ["build"], { NEXT_TELEMETRY_DISABLED: "1" });
  if (buildStatus !== 0) {
    console.error(`\nFAILED: next build exited with ${buildStatus}: no test ran`);
    process.exit(1);
  }
}

const suites: SuiteOutcome[] = [];
const vitestStatus = run(bin("vitest"), [
  "run",
  ...(vitestConfig ? [`--config=${vitestConfig}`] : []),
  "--reporter=default",
  "--reporter=json",
  `--outputFile=${vitestJson}`,
]);
suites.push(vitestOutcome(vitestStatus, vitestJson));

if (withE2e) {
  const playwrightStatus = run(bin("playwright"), ["test", "--reporter=list,json"], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson,
  });
  suites.push(playwrightOutcome(playwrightStatus, playwrightJson));
}

const { lines, exitCode } = verdict(suites);
console.info(`\n${lines.join("\n")}`);
process.exit(exitCode);
