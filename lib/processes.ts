import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";

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

/** Whether `pid` is a live (not zombie) process whose command line contains `marker`. Linux (/proc). */
function runningWith(pid: number, marker: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return false;
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker);
  } catch {
    return false;
  }
}

/**
 * Ends a server an earlier run left behind (that run was killed outright, so it could not stop it): the pid is the
 * first line of `pidFile`, and `marker` (e.g. its data folder) must be in its command line, so an unrelated process
 * that reused the pid is left alone. Sends `signal` (to its process group with `group`), then SIGKILL after
 * `timeoutMs`. Returns the pid it stopped, or null when there was none.
 */
export async function stopLeftover(
  pidFile: string,
  marker: string,
  { signal, group = false, timeoutMs = 30_000 }: { signal: NodeJS.Signals; group?: boolean; timeoutMs?: number },
): Promise<number | null> {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(pidFile, "utf8"), 10);
  } catch {
    return null;
  }
  if (!(pid > 0) || !runningWith(pid, marker)) return null;
  const send = (sig: NodeJS.Signals) => {
    try {
      process.kill(group ? -pid : pid, sig);
    } catch {
      // Already gone.
    }
  };
  send(signal);
  const deadline = Date.now() + timeoutMs;
  while (runningWith(pid, marker)) {
    if (Date.now() > deadline) {
      send("SIGKILL");
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return pid;
}
