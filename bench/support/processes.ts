/** Processes of a benchmark, read from /proc (Linux): a process and its descendants, their memory and CPU time. */
import { readdirSync, readFileSync } from "node:fs";

const CLOCK_TICKS_PER_SECOND = 100;

/** Fields of /proc/<pid>/stat after the command name (which may itself contain spaces and parentheses). */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** `pid` and every process below it. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const parent = Number(statFields(Number(entry))[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {}
  }
  const tree: number[] = [];
  const walk = (id: number) => {
    tree.push(id);
    for (const child of children.get(id) ?? []) walk(child);
  };
  walk(pid);
  return tree;
}

const sumOver = (pids: number[], read: (pid: number) => number) =>
  pids.reduce((total, pid) => {
    try {
      return total + read(pid);
    } catch {
      return total; // ended meanwhile
    }
  }, 0);

/** Resident memory of a process and its descendants, in MB. */
export const treeRssMb = (pid: number) =>
  sumOver(
    processTree(pid),
    (id) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${id}/status`, "utf8"))?.[1] ?? 0) / 1024,
  );

/**
 * CPU time (user + system) used so far by a process and its descendants, in ms: the live ones' own time plus what
 * their ended children used (PostgreSQL's backends end with their connections).
 */
export const treeCpuMs = (pid: number) =>
  sumOver(processTree(pid), (id) => {
    const fields = statFields(id);
    // utime, stime, cutime, cstime are fields 14-17 of stat; fields[0] here is field 3.
    const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0);
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  });

/** What a process's resident memory is made of, in MB: anonymous (heaps, V8 and native), file-backed (code), shared. */
export function memoryOf(pid: number) {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(rollup)?.[1] ?? 0) / 1024;
  const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).slice(0, 3).join(" ");
  return { pid, command, rss: field("Rss"), anon: field("Anonymous"), file: field("Rss") - field("Anonymous") };
}

/** `memoryOf` each process of a tree (those that ended meanwhile left out). */
export const treeMemory = (pid: number) =>
  processTree(pid).flatMap((id) => {
    try {
      return [memoryOf(id)];
    } catch {
      return [];
    }
  });
