/**
 * Runs the reference Kamailio configuration (registrar/kamailio/kamailio.cfg) for tests: free ports on 127.0.0.1,
 * the given registrar database, parameters passed as -A defines (the cfg file itself is used unmodified), log
 * captured to a file. Readiness = a 200 to an OPTIONS ping over UDP.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freeUdpPort, KEEP_ARTIFACTS, LOOPBACK } from "./sipp";

export const KAMAILIO_CFG = fileURLToPath(new URL("../../registrar/kamailio/kamailio.cfg", import.meta.url));

export type KamailioOptions = {
  /** Registrar database URL (postgres:// or postgresql://), schema already created. */
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

async function freeTcpPort(): Promise<number> {
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
async function freeSipPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await freeUdpPort();
    if (await tcpPortIsFree(port)) return port;
  }
  throw new Error("could not find a port free on both UDP and TCP");
}

/** Kamailio's db_postgres wants the postgres:// scheme. */
export function kamailioDbUrl(databaseUrl: string): string {
  return databaseUrl.replace(/^postgresql:\/\//, "postgres://");
}

/** Sends OPTIONS sip:127.0.0.1:<port> over UDP; resolves with the status line's code, or null on timeout. */
export async function optionsPing(port: number, timeoutMs = 300): Promise<number | null> {
  const socket = createSocket("udp4");
  return new Promise((resolve) => {
    const finish = (status: number | null) => {
      clearTimeout(timer);
      socket.close();
      resolve(status);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    socket.on("message", (msg) => {
      const m = /^SIP\/2\.0 (\d{3})/.exec(msg.toString());
      if (m) finish(Number(m[1]));
    });
    socket.on("error", () => finish(null));
    socket.bind(0, LOOPBACK, () => {
      const local = socket.address().port;
      const branch = `z9hG4bK${Math.random().toString(36).slice(2)}`;
      const request = [
        `OPTIONS sip:${LOOPBACK}:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP ${LOOPBACK}:${local};branch=${branch};rport`,
        "Max-Forwards: 70",
        `From: <sip:ping@${LOOPBACK}>;tag=${branch.slice(7)}`,
        `To: <sip:${LOOPBACK}:${port}>`,
        `Call-ID: ping-${branch}`,
        "CSeq: 1 OPTIONS",
        "Content-Length: 0",
        "",
        "",
      ].join("\r\n");
      socket.send(request, port, LOOPBACK);
    });
  });
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startKamailio(options: KamailioOptions): Promise<KamailioInstance> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "kamailio-test-"));
  const logFile = path.join(dir, "kamailio.log");
  const pidFile = path.join(dir, "kamailio.pid");
  const sipPort = await freeSipPort();
  const httpPort = await freeTcpPort();
  const carrierPort = options.carrierPort ?? (await freeUdpPort());

  const defines: Record<string, string | number> = {
    LISTEN_IP: LOOPBACK,
    LISTEN_PORT: sipPort,
    HTTP_IP: LOOPBACK,
    HTTP_PORT: httpPort,
    CTL_SOCKET: `unix:${path.join(dir, "kamailio_ctl")}`,
    DBURL: kamailioDbUrl(options.databaseUrl),
    REALM: options.realm,
    CARRIER: `sip:${LOOPBACK}:${carrierPort}`,
    ...options.defines,
  };
  const args = ["-f", KAMAILIO_CFG, "-DD", "-E", "-P", pidFile];
  args.push("-m", String(options.sharedMemoryMb ?? 64), "-M", String(options.privateMemoryMb ?? 8));
  for (const [name, value] of Object.entries(defines)) {
    // Numbers and bare addresses are tokens; everything else is a quoted string define.
    const token = typeof value === "number" || /^[0-9.]+$/.test(value) ? String(value) : JSON.stringify(value);
    args.push("-A", `${name}=${token}`);
  }

  const logFd = openSync(logFile, "a");
  // Own process group, so the SIGKILL backstop also reaches Kamailio's worker processes.
  // TZ=UTC: Kamailio writes location.expires in local time, and the adapter reads it as UTC by default.
  const child = spawn("kamailio", args, {
    cwd: dir,
    stdio: ["ignore", logFd, logFd],
    detached: true,
    env: { ...process.env, TZ: "UTC" },
  });
  closeSync(logFd);
  let exited = false;
  child.on("exit", () => {
    exited = true;
  });

  const logTail = (lines = 40) =>
    existsSync(logFile) ? readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n") : "";

  const terminate = async (graceMs: number) => {
    if (exited || child.pid === undefined) return;
    child.kill("SIGTERM");
    if (await waitForExit(child, graceMs)) return;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
    await waitForExit(child, 2000);
  };
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

  return { sipPort, httpPort, carrierPort, realm: options.realm, logFile, dir, rpc, logTail, stop };
}
