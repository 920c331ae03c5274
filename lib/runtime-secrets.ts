import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

type Secrets = { AUTH_SECRET: string; CREDENTIAL_ENCRYPTION_KEY: string };
const NAMES = ["AUTH_SECRET", "CREDENTIAL_ENCRYPTION_KEY"] as const;

/**
 * Values stored in `<dataDir>/secrets.json` (mode 600), generating the missing ones. Other values in the file are
 * kept: a folder from an earlier version gains the new ones and keeps the rest.
 */
function storedSecrets<Name extends string>(
  dataDir: string,
  names: readonly Name[],
  generate: (name: Name) => string,
): Record<Name, string> {
  const file = path.join(dataDir, "secrets.json");
  const stored: Record<string, string> = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  const missing = names.filter((name) => !stored[name]);
  for (const name of missing) stored[name] = generate(name);
  if (missing.length) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  }
  return Object.fromEntries(names.map((name) => [name, stored[name]])) as Record<Name, string>;
}

/**
 * Secrets not given in the environment are generated once into `<dataDir>/secrets.json` (mode 600) and reused, so
 * sessions and encrypted SIP passwords survive restarts. Values in the environment always win.
 */
export function loadOrCreateSecrets(dataDir: string, environment: NodeJS.ProcessEnv): Secrets {
  if (NAMES.every((name) => environment[name])) {
    return {
      AUTH_SECRET: environment.AUTH_SECRET ?? "",
      CREDENTIAL_ENCRYPTION_KEY: environment.CREDENTIAL_ENCRYPTION_KEY ?? "",
    };
  }
  const secrets = storedSecrets(dataDir, NAMES, () => randomBytes(32).toString("base64"));
  return {
    AUTH_SECRET: environment.AUTH_SECRET || secrets.AUTH_SECRET,
    CREDENTIAL_ENCRYPTION_KEY: environment.CREDENTIAL_ENCRYPTION_KEY || secrets.CREDENTIAL_ENCRYPTION_KEY,
  };
}

/** The embedded PostgreSQL's passwords: its superuser (the portal) and the least-privilege role Kamailio uses. */
export type EmbeddedDatabaseSecrets = { EMBEDDED_POSTGRES_PASSWORD: string; KAMAILIO_DB_PASSWORD: string };

/**
 * Generated once into `<dataDir>/secrets.json` with the other secrets. URL-safe, so they go into connection URLs
 * (Kamailio's DBURL included) without escaping.
 */
export function loadOrCreateDatabaseSecrets(dataDir: string): EmbeddedDatabaseSecrets {
  return storedSecrets(dataDir, ["EMBEDDED_POSTGRES_PASSWORD", "KAMAILIO_DB_PASSWORD"], () =>
    randomBytes(24).toString("base64url"),
  );
}
