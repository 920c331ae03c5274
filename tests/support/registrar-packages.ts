/**
 * Vitest globalSetup for the registrar project: the tests need the real Kamailio (with its PostgreSQL driver) and
 * SIPp. Missing packages are installed when running as root (CI, dev containers); otherwise the run fails with the
 * command to run. Never skips silently.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export const DB_POSTGRES_MODULE = "/usr/lib/x86_64-linux-gnu/kamailio/modules/db_postgres.so";
export const INSTALL_COMMAND =
  "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y kamailio kamailio-postgres-modules kamailio-extra-modules sip-tester";

function onPath(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

function missing(): string[] {
  const result: string[] = [];
  if (!onPath("kamailio")) result.push("kamailio");
  if (!existsSync(DB_POSTGRES_MODULE)) result.push(`kamailio-postgres-modules (${DB_POSTGRES_MODULE})`);
  if (!onPath("sipp")) result.push("sipp (sip-tester)");
  return result;
}

export default function setup(): void {
  const before = missing();
  if (before.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`Registrar tests need ${before.join(", ")}. Install them as root with:\n  ${INSTALL_COMMAND}`);
  }
  process.stderr.write(`[registrar] missing ${before.join(", ")}; installing: ${INSTALL_COMMAND}\n`);
  execFileSync("sh", ["-c", INSTALL_COMMAND], { stdio: "inherit", timeout: 10 * 60_000 });
  const after = missing();
  if (after.length > 0) throw new Error(`Still missing after installation: ${after.join(", ")}`);
}
