/** Percentiles and table rows for the benchmark reports. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export function summary(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

export const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;

/** Runs `work` for `count` items, `concurrency` at a time. */
export async function inParallel(count: number, concurrency: number, work: (index: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

/**
 * Starts `work` for `count` items at a steady rate, one every `intervalMs` whether or not the earlier ones are done
 * (trunks arriving one at a time, as from the staff UI or an API client), and waits for all of them.
 */
export async function atSteadyRate(count: number, intervalMs: number, work: (index: number) => Promise<void>) {
  const started = performance.now();
  const running: Promise<void>[] = [];
  for (let index = 0; index < count; index++) {
    const wait = started + index * intervalMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    running.push(work(index));
  }
  await Promise.all(running);
}

export const log = (message: string) => console.info(`[bench] ${new Date().toISOString().slice(11, 19)} ${message}`);
