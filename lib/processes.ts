import type { ChildProcess } from "node:child_process";

export const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** Resolves true once the child has exited, false if it is still running after `timeoutMs`. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** SIGKILL to the process group a child leads (spawned with `detached`): its own children go too. */
export function killProcessGroup(child: ChildProcess) {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

/**
 * SIGTERM, then SIGKILL if the child is still running after `graceMs`: to its whole process group when it leads one
 * (spawned with `detached`), so its own children go too.
 */
export async function terminate(child: ChildProcess, { graceMs, group = false }: { graceMs: number; group?: boolean }) {
  if (hasExited(child) || child.pid === undefined) return;
  child.kill("SIGTERM");
  if (await waitForExit(child, graceMs)) return;
  if (group) killProcessGroup(child);
  else child.kill("SIGKILL");
  await waitForExit(child, 2_000);
}
