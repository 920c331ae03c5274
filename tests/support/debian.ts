import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

/** A Debian package the tests need, and a file whose presence shows it is installed. */
export type DebianPackage = { name: string; provides: string };

/**
 * Installs missing Debian packages when running as root (as CI does); otherwise fails with the exact command to
 * run. Tests never skip silently because a tool is missing.
 */
export function ensureDebianPackages(packages: DebianPackage[]) {
  const missing = packages.filter((pkg) => !existsSync(pkg.provides));
  if (missing.length === 0) return;
  const names = missing.map((pkg) => pkg.name);
  const command = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${names.join(" ")}`;
  if (process.getuid?.() !== 0) {
    throw new Error(`Missing Debian packages for the tests. Install them with:\n  sudo sh -c '${command}'`);
  }
  console.info(`[tests] installing ${names.join(", ")} with apt-get…`);
  execFileSync("sh", ["-c", command], { stdio: "inherit" });
  const stillMissing = missing.filter((pkg) => !existsSync(pkg.provides));
  if (stillMissing.length)
    throw new Error(`apt-get did not provide ${stillMissing.map((pkg) => pkg.provides).join(", ")}`);
}

export const CHROMIUM: DebianPackage = { name: "chromium", provides: "/usr/bin/chromium" };
