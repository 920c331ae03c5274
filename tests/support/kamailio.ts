/**
 * Runs the reference Kamailio configuration (registrar/kamailio/kamailio.cfg) for tests: free ports on 127.0.0.1,
 * the given registrar database as a least-privilege role of its own (as `npm start` runs it), parameters passed as
 * -A defines (the cfg file itself is used unmodified), log captured to a file. Readiness = a 200 to an OPTIONS ping
 * over UDP.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { ROOT } from "../../lib/paths";
import { terminate as terminateProcess } from "../../lib/processes";
import { ensureKamailioRole, kamailioRoleUrl } from "../../lib/registrar/kamailio-role";
import { KAMAILIO_CFG as CFG_PATH, kamailioArgs, kamailioDbCredentials } from "../../lib/registrar/kamailio-server";
import { optionsPing as ping } from "../../lib/registrar/sip-probe";
import { freeUdpPort, KEEP_ARTIFACTS, LOOPBACK } from "./sipp";

export const KAMAILIO_CFG = path.join(ROOT, CFG_PATH);

export type KamailioOptions = {
  /**
   * Registrar database URL (postgres:// or postgresql://) of its owner, schema already created. Kamailio connects as
   * a role that may do only what kamailio.cfg needs (lib/registrar/kamailio-role.ts), created here.
   */
  databaseUrl: string;
  realm: string;
  /** UDP port of the carrier UAS (CARRIER = sip:127.0.0.1:<port>); default: a free port. */
  carrierPort?: number;
  /** Extra -A defines, e.g. { BAN_FAILS: 3 }. Strings are quoted for you. */
  defines?: Record<string, string | number>;
  /** Shared/private memory in MB (small by default: tests run several instances on a 2-core box). */
  sharedMemoryMb?: number;
  privateMemoryMb?: number;
};

export type KamailioInstance = {
  sipPort: number;
  httpPort: number;
  carrierPort: number;
  realm: string;
  /** The database URL Kamailio connects with: its own least-privilege role. */
  roleUrl: string;
  /** Kamailio's stdout+stderr (log_stderror via -E). */
  logFile: string;
  dir: string;
  /** JSON-RPC over HTTP (xhttp + jsonrpcs). Throws on a JSON-RPC error. */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** Last lines of the log, for assertion messages. */
  logTail(lines?: number): string;
  /**
   * SIGTERM, then SIGKILL to the whole process group if it is still running after `graceMs`. Removes the log and
   * temp files unless KEEP_TEST_ARTIFACTS=1.
   */
  stop(graceMs?: number): Promise<void>;
};

export async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === "object" ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

async function tcpPortIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, LOOPBACK, () => server.close(() => resolve(true)));
  });
}

/** A port free on both UDP and TCP (Kamailio listens on both for SIP). */
export async function freeSipPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await freeUdpPort();
    if (await tcpPortIsFree(port)) return port;
  }
  throw new Error("could not find a port free on both UDP and TCP");
}

/** Sends OPTIONS sip:127.0.0.1:<port> over UDP; resolves with the status line's code, or null on timeout. */
export const optionsPing = (port: number, timeoutMs = 300) => ping(LOOPBACK, port, timeoutMs);

const rolePasswords = new Map<string, string>();

export async function startKamailio(options: KamailioOptions): Promise<KamailioInstance> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "kamailio-test-"));
  const logFile = path.join(dir, "kamailio.log");
  const pidFile = path.join(dir, "kamailio.pid");
  const sipPort = await freeSipPort();
  const httpPort = await freeTcpPort();
  const carrierPort = options.carrierPort ?? (await freeUdpPort());
  // Roles are cluster-wide and test files share the cluster: one role per registrar database.
  const role = `kamailio_${new URL(options.databaseUrl).pathname.slice(1)}`.slice(0, 63);
  // Instances on the same database share the role: a new password would lock the running ones out on reconnect.
  const rolePassword = rolePasswords.get(role) ?? randomBytes(18).toString("base64url");
  rolePasswords.set(role, rolePassword);
  await ensureKamailioRole(options.databaseUrl, rolePassword, role);
  const roleUrl = kamailioRoleUrl(options.databaseUrl, rolePassword, role);
  const database = kamailioDbCredentials(roleUrl);

  const defines: Record<string, string | number> = {
    LISTEN_IP: LOOPBACK,
    LISTEN_PORT: sipPort,
    HTTP_IP: LOOPBACK,
    HTTP_PORT: httpPort,
    CTL_SOCKET: `unix:${path.join(dir, "kamailio_ctl")}`,
    DBURL: database.dbUrl,
    REALM: options.realm,
    CARRIER: `sip:${LOOPBACK}:${carrierPort}`,
    ...options.defines,
  };
  const args = kamailioArgs(KAMAILIO_CFG, defines, [
    "-P",
    pidFile,
    "-m",
    String(options.sharedMemoryMb ?? 64),
    "-M",
    String(options.privateMemoryMb ?? 8),
  ]);

  const logFd = openSync(logFile, "a");
  // Own process group, so the SIGKILL backstop also reaches Kamailio's worker processes.
  // TZ=UTC: Kamailio writes location.expires in local time, and the adapter reads it as UTC by default.
  const child = spawn("kamailio", args, {
    cwd: dir,
    stdio: ["ignore", logFd, logFd],
    detached: true,
    env: { ...process.env, TZ: "UTC", PGPASSWORD: database.password },
  });
  closeSync(logFd);
  let exited = false;
  child.on("exit", () => {
    exited = true;
  });

  const logTail = (lines = 40) =>
    existsSync(logFile) ? readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n") : "";

  const terminate = (graceMs: number) => terminateProcess(child, { graceMs, group: true });
  const stop = async (graceMs = 6000) => {
    await terminate(graceMs);
    if (KEEP_ARTIFACTS) process.stderr.write(`[kamailio] log kept in ${logFile}\n`);
    else rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 15_000;
  for (;;) {
    if (exited) throw new Error(`kamailio exited during start-up (log: ${logFile}):\n${logTail()}`);
    if ((await optionsPing(sipPort)) === 200) break;
    if (Date.now() > deadline) {
      await terminate(2000);
      throw new Error(`kamailio did not answer OPTIONS on ${LOOPBACK}:${sipPort} (log: ${logFile}):\n${logTail()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  let rpcId = 0;
  const rpc = async <T>(method: string, params: unknown[] = []): Promise<T> => {
    const response = await fetch(`http://${LOOPBACK}:${httpPort}/RPC`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", method, params, id: ++rpcId }),
    });
    const body = (await response.json()) as { result?: T; error?: { code: number; message: string } };
    if (body.error) throw new Error(`RPC ${method}: ${body.error.code} ${body.error.message}`);
    return body.result as T;
  };

  return { sipPort, httpPort, carrierPort, realm: options.realm, roleUrl, logFile, dir, rpc, logTail, stop };
}
