/**
 * Promise.all that waits for every promise before it fails: the first rejection is thrown once none is still running.
 * A batch written to a registrar fails this way, so no write of it lands after the sync has let go of its trunks.
 */
export async function settleAll<T>(promises: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failure = settled.find((result) => result.status === "rejected");
  if (failure) throw failure.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<T>).value);
}
