import { env } from "../env";
import { createFanOutRegistrar } from "./fanout";
import { createHttpRegistrar } from "./http";
import { createKamailioSqlRegistrar } from "./kamailio-sql";
import type { Registrar } from "./types";

/**
 * The registrar the portal provisions, chosen by configuration: Kamailio's database directly
 * (REGISTRAR_DATABASE_URL), or the signed HTTP API (REGISTRAR_HTTP_URL + REGISTRAR_HTTP_SECRET).
 */
export function registrarFromEnv(): Registrar {
  const config = env();
  if (config.REGISTRAR_HTTP_URL && config.REGISTRAR_HTTP_SECRET) {
    const secret = config.REGISTRAR_HTTP_SECRET;
    const registrars = config.REGISTRAR_HTTP_URL.map((baseUrl) => createHttpRegistrar({ baseUrl, secret }));
    return registrars.length === 1 && registrars[0] ? registrars[0] : createFanOutRegistrar(registrars);
  }
  if (config.REGISTRAR_DATABASE_URL) return createKamailioSqlRegistrar(config.REGISTRAR_DATABASE_URL);
  throw new Error(
    "No registrar is configured: set REGISTRAR_DATABASE_URL (Kamailio's database) or REGISTRAR_HTTP_URL and REGISTRAR_HTTP_SECRET.",
  );
}

const globalForRegistrar = globalThis as unknown as { registrar?: Registrar };

/** One registrar client per web process, for reading live registrations. */
export function getRegistrar(): Registrar {
  globalForRegistrar.registrar ??= registrarFromEnv();
  return globalForRegistrar.registrar;
}
