import { env } from "../env";
import { createKamailioSqlRegistrar } from "./kamailio-sql";
import type { Registrar } from "./types";

/** The registrar the worker provisions, chosen by configuration (see the README's registrar section). */
export function registrarFromEnv(): Registrar {
  const { REGISTRAR_DATABASE_URL } = env();
  if (!REGISTRAR_DATABASE_URL) {
    throw new Error("No registrar is configured: set REGISTRAR_DATABASE_URL (Kamailio's PostgreSQL database).");
  }
  return createKamailioSqlRegistrar(REGISTRAR_DATABASE_URL);
}
