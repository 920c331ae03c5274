import { defineConfig } from "vitest/config";

/** Integration tests run in a random order; the seed is printed so a failing order can be repeated. */
if (!process.env.TEST_SEED) {
  process.env.TEST_SEED = String(Math.floor(Math.random() * 1_000_000));
  console.info(`integration test order: TEST_SEED=${process.env.TEST_SEED}`);
}
const seed = Number(process.env.TEST_SEED);

export default defineConfig({
  resolve: { alias: { "@": new URL("./", import.meta.url).pathname } },
  test: {
    // Two test files at a time, even on two cores (vitest's default would be one): most of a file's time is spent
    // waiting for PostgreSQL, the worker, SMTP or Kamailio, and every file has databases of its own.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["lib/**/*.test.ts", "scripts/**/*.test.ts"],
          environment: "node",
          // Some check thousands of generated inputs (the dial plan, the packet-check fuzz): under a second alone, but
          // 8.7 s for the dial plan's with the suite and three other engineers on two cores. Vitest's 5 s default was
          // a speed limit; speed is measured in bench/, this bound only stops a test that hangs.
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          // next-auth imports "next/server" without an extension, which only a bundler resolves.
          server: { deps: { inline: ["next-auth"] } },
          globalSetup: ["tests/support/global-setup.ts"],
          setupFiles: ["tests/support/test-env.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Files and tests run in a random order each time, so one that depends on another's leftovers fails.
          sequence: { shuffle: { files: true, tests: true }, seed },
        },
      },
      {
        extends: true,
        test: {
          name: "registrar",
          include: ["tests/registrar/**/*.test.ts"],
          globalSetup: ["tests/support/global-setup.ts", "tests/support/registrar-packages.ts"],
          setupFiles: ["tests/support/test-env.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
