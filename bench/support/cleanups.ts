/**
 * What a benchmark starts (PostgreSQL, Kamailio, a worker, temporary folders) is stopped in reverse order when it
 * ends, when it fails and on Ctrl-C, so that a run never leaves a server behind.
 */
const cleanups: (() => Promise<unknown> | unknown)[] = [];

/** Registers what undoes something just started. */
export function onCleanUp(cleanup: () => Promise<unknown> | unknown) {
  cleanups.push(cleanup);
}

async function cleanUp() {
  while (cleanups.length) {
    try {
      await cleanups.pop()?.();
    } catch (error) {
      console.error(`[bench] cleanup: ${error instanceof Error ? error.message : error}`);
    }
  }
}

/** Runs a benchmark, then cleans up: exit 0 after it, 1 after a failure, 130 on Ctrl-C. */
export async function runBenchmark(main: () => Promise<void>): Promise<never> {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void cleanUp().then(() => process.exit(130));
    });
  }
  try {
    await main();
    await cleanUp();
    process.exit(0);
  } catch (error) {
    console.error(error);
    await cleanUp();
    process.exit(1);
  }
}
