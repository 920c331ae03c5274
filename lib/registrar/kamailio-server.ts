/**
 * Running the reference Kamailio configuration (registrar/kamailio/kamailio.cfg): the file is used unmodified, every
 * parameter is a `-A` define. Shared by `npm start` (lib/registrar/local-kamailio.ts), the tests and the command the
 * Registrar page shows for running it on another machine.
 */
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";

/** The configuration file, relative to the repository root. */
export const KAMAILIO_CFG = "registrar/kamailio/kamailio.cfg";

/** The Debian packages the reference configuration needs (every module it loads is in these two). */
export const KAMAILIO_PACKAGES = ["kamailio", "kamailio-postgres-modules"] as const;

export type KamailioDefines = Record<string, string | number>;

/** Kamailio's db_postgres wants the postgres:// scheme. */
export function kamailioDbUrl(databaseUrl: string): string {
  return databaseUrl.replace(/^postgresql:\/\//, "postgres://");
}

/**
 * The database URL without its password, and the password apart: Kamailio's command line is visible to every user
 * of the machine (`ps`), its environment is not, and libpq reads PGPASSWORD when the URL has no password.
 */
export function kamailioDbCredentials(databaseUrl: string): { dbUrl: string; password: string } {
  const url = new URL(databaseUrl);
  const password = decodeURIComponent(url.password);
  url.password = "";
  return { dbUrl: kamailioDbUrl(url.toString()), password };
}

/** Numbers and bare IPv4 addresses are tokens; everything else is a quoted string define. */
function defineValue(value: string | number): string {
  return typeof value === "number" || /^[0-9.]+$/.test(value) ? String(value) : JSON.stringify(value);
}

/** `kamailio` arguments: the configuration in the foreground, logging to stderr, and the defines. */
export function kamailioArgs(cfgFile: string, defines: KamailioDefines, extra: string[] = []): string[] {
  const args = ["-f", cfgFile, "-DD", "-E", ...extra];
  for (const [name, value] of Object.entries(defines)) args.push("-A", `${name}=${defineValue(value)}`);
  return args;
}

/**
 * The same as a shell command line, run from a checkout of this repository. A value written `$NAME` is left for the
 * shell to expand (an address or number that differs per machine); `environment` values are expanded too (e.g.
 * `PGPASSWORD: "$KAMAILIO_DB_PASSWORD"`), so the line names secrets without containing them.
 */
export function kamailioCommandLine(defines: KamailioDefines, environment: Record<string, string> = {}): string {
  const variables = Object.entries({ ...environment, TZ: "UTC" }).map(([name, value]) => `${name}="${value}"`);
  const parts = Object.entries(defines).map(([name, value]) => {
    if (typeof value === "string" && /^\$[A-Z_]+$/.test(value)) return `-A ${name}=${value}`;
    const define = `${name}=${defineValue(value)}`;
    return /^[\w.=:]+$/.test(define) ? `-A ${define}` : `-A '${define}'`;
  });
  return [...variables, "kamailio -f", KAMAILIO_CFG, "-DD -E", ...parts].join(" ");
}

const MODULE_DIRS = [
  "/usr/lib/kamailio/modules",
  "/usr/local/lib/kamailio/modules",
  "/usr/local/lib64/kamailio/modules",
];

/** Debian's multiarch module folders (/usr/lib/x86_64-linux-gnu/kamailio/modules, …) and the usual others. */
function moduleDirs(): string[] {
  const multiarch = existsSync("/usr/lib")
    ? readdirSync("/usr/lib").map((entry) => path.join("/usr/lib", entry, "kamailio", "modules"))
    : [];
  return [...multiarch, ...MODULE_DIRS];
}

/** Where the `kamailio` binary is: KAMAILIO if set, else on PATH, else Debian's /usr/sbin (not on users' PATH). */
function findKamailio(environment: NodeJS.ProcessEnv): string | null {
  if (environment.KAMAILIO) return existsSync(environment.KAMAILIO) ? environment.KAMAILIO : null;
  const dirs = [...(environment.PATH ?? "").split(path.delimiter).filter(Boolean), "/usr/sbin", "/usr/local/sbin"];
  return dirs.map((dir) => path.join(dir, "kamailio")).find((file) => existsSync(file)) ?? null;
}

export type KamailioInstallation =
  | { installed: true; binary: string }
  | { installed: false; missing: string[]; installCommand: string };

/** Whether Kamailio and its PostgreSQL driver are installed; otherwise the exact command that installs them. */
export function kamailioInstallation(environment: NodeJS.ProcessEnv = process.env): KamailioInstallation {
  const binary = findKamailio(environment);
  const missing = binary
    ? moduleDirs().some((dir) => existsSync(path.join(dir, "db_postgres.so")))
      ? []
      : ["kamailio-postgres-modules"]
    : [...KAMAILIO_PACKAGES];
  if (binary && missing.length === 0) return { installed: true, binary };
  const sudo = process.getuid?.() === 0 ? "" : "sudo ";
  return { installed: false, missing, installCommand: `${sudo}apt-get install ${missing.join(" ")}` };
}
