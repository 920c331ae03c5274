/** How long a page or a status poll waits for the registrar before saying it is not answering. */
export const REGISTRAR_ANSWER_MS = 3000;

export const notAnsweringMessage = (ms: number) => `The registrar did not answer within ${ms / 1000} seconds.`;

/**
 * `work`'s result, or `onTimeout()`'s once `ms` have passed without one. The work itself is not cancelled (a query
 * cannot always be), so callers share lookups that may still be running (see `shared`).
 */
export async function answerWithin<T>(work: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const inFlight = new Map<string, Promise<unknown>>();

/**
 * Runs `lookup` once for concurrent callers with the same key: while the registrar hangs, every viewer's poll joins
 * the one query already waiting instead of piling up another each second.
 */
export function shared<T>(key: string, lookup: () => Promise<T>): Promise<T> {
  const running = inFlight.get(key) as Promise<T> | undefined;
  if (running) return running;
  const started = lookup().finally(() => inFlight.delete(key));
  inFlight.set(key, started);
  return started;
}
