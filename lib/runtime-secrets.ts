import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

type Secrets = { AUTH_SECRET: string; CREDENTIAL_ENCRYPTION_KEY: string };
const NAMES = ["AUTH_SECRET", "CREDENTIAL_ENCRYPTION_KEY"] as const;

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
  const file = path.join(dataDir, "secrets.json");
  const stored: Partial<Secrets> = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  const secrets: Secrets = {
    AUTH_SECRET: stored.AUTH_SECRET ?? randomBytes(32).toString("base64"),
    CREDENTIAL_ENCRYPTION_KEY: stored.CREDENTIAL_ENCRYPTION_KEY ?? randomBytes(32).toString("base64"),
  };
  if (NAMES.some((name) => !stored[name])) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  }
  return {
    AUTH_SECRET: environment.AUTH_SECRET || secrets.AUTH_SECRET,
    CREDENTIAL_ENCRYPTION_KEY: environment.CREDENTIAL_ENCRYPTION_KEY || secrets.CREDENTIAL_ENCRYPTION_KEY,
  };
}
