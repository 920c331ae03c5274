/**
 * `npm test`: the whole suite — unit, integration on a real PostgreSQL, registrar tests on a real Kamailio + SIPp,
 * then Playwright end-to-end tests in Debian's Chromium against the built app. Prints one closing tally and exits
 * non-zero on any failed, skipped or missing test, whatever the runners' own exit statuses say (scripts/test-report.ts).
 *
 * For checking this runner itself (tests/integration/test-runner.test.ts): `--vitest-config=FILE` runs vitest with
 * another config, `--no-e2e` leaves Playwright out.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "../lib/paths";
import { BUILD_STATUS_ENV, buildIsStale } from "./build-freshness";
import { playwrightOutcome, type SuiteOutcome, verdict, vitestOutcome } from "./test-report";

const option = (name: string) =>
  process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? null;
const vitestConfig = option("vitest-config");
const withE2e = !process.argv.includes("--no-e2e");

// Outside test-results/, which Playwright empties when it starts.
const resultsDir = mkdtempSync(path.join(os.tmpdir(), "trunk-portal-results-"));
const vitestJson = path.join(resultsDir, "vitest.json");
const playwrightJson = path.join(resultsDir, "playwright.json");
const buildStatusFile = path.join(resultsDir, "next-build.status");
const bin = (name: string) => path.join(ROOT, "node_modules", ".bin", name);

/** Runs a command to its end; its output goes to the terminal, or is collected into `output` when given. */
function run(command: string, args: string[], env: Record<string, string> = {}, output?: string[]) {
  return new Promise<number | null>((resolve) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      stdio: output ? ["ignore", "pipe", "pipe"] : "inherit",
      env: { ...process.env, ...env },
    });
    child.stdout?.on("data", (chunk: Buffer) => output?.push(chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => output?.push(chunk.toString()));
    child.on("error", (error) => {
      output?.push(String(error));
      resolve(null);
    });
    child.on("close", (status) => resolve(status));
  });
}

// The tests that start the portal the quick-start way (npm start, Playwright) find the app built, as a user's second
// start does. The build runs beside vitest, not before it: most vitest files wait on PostgreSQL, workers or Kamailio
// rather than compute, and only the two files that run the built app wait for it (`buildBesideTests` in
// scripts/build-freshness.ts, told where the build's exit status will be written).
const buildOutput: string[] = [];
const build =
  !vitestConfig && buildIsStale(ROOT)
    ? run(bin("next"), ["build"], { NEXT_TELEMETRY_DISABLED: "1" }, buildOutput).then((status) => {
        writeFileSync(buildStatusFile, String(status));
        return status;
      })
    : null;

const suites: SuiteOutcome[] = [];
const vitestStatus = await run(
  bin("vitest"),
  [
    "run",
    ...(vitestConfig ? [`--config=${vitestConfig}`] : []),
    "--reporter=default",
    "--reporter=json",
    `--outputFile=${vitestJson}`,
  ],
  build ? { [BUILD_STATUS_ENV]: buildStatusFile } : {},
);
suites.push(vitestOutcome(vitestStatus, vitestJson));

const buildStatus = build ? await build : 0;
if (build) console.info(`\n[next build, run beside vitest]\n${buildOutput.join("")}`);
if (buildStatus !== 0) {
  suites.push({
    name: "next build",
    status: buildStatus,
    passed: 0,
    failed: 0,
    skipped: 0,
    problems: [`next build exited with ${buildStatus ?? "a signal"}: the end-to-end tests did not run`],
  });
} else if (withE2e) {
  const playwrightStatus = await run(bin("playwright"), ["test", "--reporter=list,json"], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson,
  });
  suites.push(playwrightOutcome(playwrightStatus, playwrightJson));
}

const { lines, exitCode } = verdict(suites);
console.info(`\n${lines.join("\n")}`);
process.exit(exitCode);
