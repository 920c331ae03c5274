/**
 * How the portal reaches its registrar, for the staff Registrar page: the adapter and where it connects (never a
 * password), whether it answers, the SIP registrar `npm start` runs, and the command that runs the reference
 * configuration against the same database elsewhere.
 */
import type { Env } from "../env";
import { answerWithin, notAnsweringMessage, REGISTRAR_ANSWER_MS } from "./answer-within";
import { KAMAILIO_DB_ROLE } from "./kamailio-role";
import { kamailioCommandLine, kamailioInstallation } from "./kamailio-server";
import { probeRegistrarRealm } from "./sip-probe";
import type { Registrar } from "./types";

export type RegistrarConnection =
  | { adapter: "sql"; host: string; port: number; database: string; role: string }
  | { adapter: "http"; url: string };

/** Where the configured adapter connects; credentials are left out. Null when no registrar is configured. */
export function registrarConnection(config: Env): RegistrarConnection | null {
  if (config.REGISTRAR_HTTP_URL && config.REGISTRAR_HTTP_SECRET) {
    const urls = config.REGISTRAR_HTTP_URL.map((address) => {
      const url = new URL(address);
      url.username = "";
      url.password = "";
      return url.toString();
    });
    return { adapter: "http", url: urls.join(", ") };
  }
  if (!config.REGISTRAR_DATABASE_URL) return null;
  const url = new URL(config.REGISTRAR_DATABASE_URL);
  return {
    adapter: "sql",
    host: url.hostname,
    port: Number(url.port || 5432),
    database: decodeURIComponent(url.pathname.slice(1)),
    role: decodeURIComponent(url.username),
  };
}

export type RegistrarHealth =
  | { answers: true; ms: number; liveRegistrations: number | null }
  | { answers: false; error: string };

/** Asks the registrar for its status, giving up after `timeoutMs` (a page must not hang on it). */
export async function registrarHealth(registrar: Registrar, timeoutMs = REGISTRAR_ANSWER_MS): Promise<RegistrarHealth> {
  const started = performance.now();
  const asked = registrar.status().then(
    (status): RegistrarHealth => ({ answers: true, ms: Math.round(performance.now() - started), ...status }),
    (error): RegistrarHealth => ({ answers: false, error: error instanceof Error ? error.message : String(error) }),
  );
  return answerWithin(asked, timeoutMs, () => ({ answers: false, error: notAnsweringMessage(timeoutMs) }));
}

export type LocalSipRegistrar =
  | { state: "answering"; address: string; realm: string | null }
  | { state: "not-answering"; address: string }
  | { state: "not-installed"; installCommand: string | null };

/**
 * The Kamailio `npm start` runs beside the portal, if it does: asked directly with an unauthenticated REGISTER, whose
 * challenge names the realm it really uses. Null when the portal was not started that way.
 */
export async function localSipRegistrar(config: Env): Promise<LocalSipRegistrar | null> {
  if (!config.LOCAL_SIP_REGISTRAR) return null;
  if (config.LOCAL_SIP_REGISTRAR === "not-installed") {
    const installation = kamailioInstallation();
    return { state: "not-installed", installCommand: installation.installed ? null : installation.installCommand };
  }
  const address = `udp/tcp ${config.SIP_LISTEN}:${config.SIP_PORT}`;
  const probe = await probeRegistrarRealm(config.SIP_LISTEN, config.SIP_PORT);
  return probe ? { state: "answering", address, realm: probe.realm } : { state: "not-answering", address };
}

/** The embedded database listens on loopback only; another machine reaches it through an SSH tunnel. */
const isLoopback = (host: string) => host === "localhost" || host === "::1" || host.startsWith("127.");

/**
 * The shell commands that run registrar/kamailio/kamailio.cfg on another machine against this registrar database,
 * as Kamailio's own role. Values that differ per machine or are secret stay shell variables (SIP_IP,
 * KAMAILIO_DB_PASSWORD), so nothing secret is shown.
 */
export function referenceKamailioCommand(
  connection: Extract<RegistrarConnection, { adapter: "sql" }>,
  realm: string,
): { tunnel: string | null; command: string } {
  const database = `postgres://${KAMAILIO_DB_ROLE}@${connection.host}:${connection.port}/${connection.database}`;
  return {
    tunnel: isLoopback(connection.host)
      ? `ssh -N -L ${connection.port}:127.0.0.1:${connection.port} <this portal's host>`
      : null,
    command: kamailioCommandLine(
      { LISTEN_IP: "$SIP_IP", LISTEN_PORT: 5060, DBURL: database, REALM: realm },
      { PGPASSWORD: "$KAMAILIO_DB_PASSWORD" },
    ),
  };
}
