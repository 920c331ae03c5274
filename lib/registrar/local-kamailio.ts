/**
 * The registrar `npm start` runs beside the portal: the reference Kamailio configuration on the embedded registrar
 * database, with the realm of the portal's default SIP server. It is restarted when it dies (with backoff, saying
 * why) and when that realm changes, and stopped with the portal.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { hasExited, killProcessGroup, stopLeftover, terminate as terminateProcess } from "../processes";
import { kamailioArgs, kamailioDbCredentials } from "./kamailio-server";
import { optionsPing } from "./sip-probe";

export type LocalKamailioOptions = {
  binary: string;
  /** Absolute path of registrar/kamailio/kamailio.cfg. */
  cfgFile: string;
  /** The registrar database as Kamailio's own role (with its password, which is kept off the command line). */
  databaseUrl: string;
  listen: string;
  port: number;
  /** JSON-RPC over HTTP, on 127.0.0.1 only. */
  rpcPort: number;
  /** Work folder: log, pid file and kamcmd socket. */
  dir: string;
  /** The realm Kamailio must authenticate with: the default SIP server's. Null when there is no active server. */
  realm: () => Promise<string | null>;
  log: (message: string) => void;
  /** How often the realm is checked (ms). */
  realmCheckMs?: number;
  /** How long a start may take before it counts as failed (ms). */
  startTimeoutMs?: number;
};

export type LocalKamailio = {
  /** Stops Kamailio (SIGTERM, then SIGKILL to its process group) and stops restarting it. */
  stop(): Promise<void>;
};

const BACKOFF_MS = [1_000, 2_000, 5_000, 10_000, 30_000, 60_000];
/** A run this long resets the backoff. */
const STABLE_MS = 60_000;

/** Kamailio's error lines since `offset` in its log: why a start failed or why it died. */
function errorsSince(logFile: string, offset: number): string {
  let text = "";
  try {
    text = readFileSync(logFile, "utf8").slice(offset);
  } catch {
    return "";
  }
  const errors = text.split("\n").filter((line) => /\b(ERROR|CRITICAL|ALERT|BUG)\b/.test(line));
  return errors
    .slice(-3)
    .map((line) => line.replace(/^\s*\d+\(\d+\)\s+/, "").trim())
    .join(" | ");
}

/**
 * Starts Kamailio and resolves once its first start has succeeded or failed (a failed start is retried with
 * backoff; the portal carries on either way).
 */
export async function startLocalKamailio(options: LocalKamailioOptions): Promise<LocalKamailio> {
  const { log } = options;
  mkdirSync(options.dir, { recursive: true });
  const pidFile = path.join(options.dir, "kamailio.pid");
  // One left running by a portal that was killed outright would hold the SIP port.
  const leftover = await stopLeftover(pidFile, options.dir, { signal: "SIGKILL", group: true });
  if (leftover) log(`SIP registrar: stopped the Kamailio an earlier run left running (pid ${leftover})`);
  const logFile = path.join(options.dir, "kamailio.log");
  writeFileSync(logFile, "");
  const address = `udp/tcp ${options.listen}:${options.port}`;
  const database = kamailioDbCredentials(options.databaseUrl);

  let child: ChildProcess | null = null;
  let runningRealm: string | null = null;
  let stopping = false;
  let failures = 0;
  let retryTimer: NodeJS.Timeout | null = null;
  // Starts, stops and restarts run one after the other.
  let queue: Promise<void> = Promise.resolve();
  const serially = (task: () => Promise<void>) => {
    queue = queue.then(task, task);
    return queue;
  };

  async function terminate() {
    const current = child;
    child = null;
    // exit_timeout=5 in kamailio.cfg: a SIGTERM ends it within 5 s.
    if (current) await terminateProcess(current, { graceMs: 8_000, group: true });
  }

  function scheduleRetry(reason: string) {
    const delay = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)] ?? 60_000;
    failures++;
    log(`SIP registrar: ${reason}; restarting in ${delay / 1000} s`);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void serially(start);
    }, delay);
  }

  async function start() {
    if (stopping || child) return;
    let realm: string | null;
    try {
      realm = await options.realm();
    } catch (error) {
      return scheduleRetry(`could not read the default SIP server (${(error as Error).message})`);
    }
    if (!realm) {
      log("SIP registrar: no active SIP server, so no realm; Kamailio starts once one is added");
      runningRealm = null;
      return;
    }
    // Kamailio refuses to start while its pid file names a live process, zombies included.
    rmSync(pidFile, { force: true });
    const offset = statSync(logFile).size;
    const fd = openSync(logFile, "a");
    const args = kamailioArgs(
      options.cfgFile,
      {
        LISTEN_IP: options.listen,
        LISTEN_PORT: options.port,
        HTTP_IP: "127.0.0.1",
        HTTP_PORT: options.rpcPort,
        CTL_SOCKET: `unix:${path.join(options.dir, "kamailio_ctl")}`,
        DBURL: database.dbUrl,
        REALM: realm,
        // The portal's credential checks come from this machine: they must never count as a flood or an attack
        // (a burst of new trunks banned 127.0.0.1, and with it every PBX on this machine, for 15 minutes).
        PORTAL_IP: options.listen === "0.0.0.0" ? "127.0.0.1" : options.listen,
      },
      ["-P", pidFile],
    );
    // Its own process group: a Ctrl-C in the terminal reaches only the portal, which stops Kamailio in its turn.
    // TZ=UTC: Kamailio writes location.expires in local time, and the registrar adapter reads it as UTC.
    const started = spawn(options.binary, args, {
      cwd: options.dir,
      stdio: ["ignore", fd, fd],
      detached: true,
      // Nothing of the portal's environment (its own database URL, keys): only what Kamailio needs.
      env: {
        NODE_ENV: process.env.NODE_ENV,
        PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
        TZ: "UTC",
        PGPASSWORD: database.password,
      },
    });
    closeSync(fd);
    child = started;
    const startedAt = Date.now();
    let spawnError: Error | null = null;
    started.once("error", (error) => {
      spawnError = error;
    });

    const deadline = startedAt + (options.startTimeoutMs ?? 15_000);
    for (;;) {
      if (hasExited(started) || spawnError) {
        child = null;
        killProcessGroup(started);
        const why =
          errorsSince(logFile, offset) ||
          (spawnError as Error | null)?.message ||
          `exit ${started.exitCode ?? started.signalCode}`;
        const hint = /Address already in use/.test(why)
          ? `; is another SIP server using ${options.listen}:${options.port}? SIP_LISTEN and SIP_PORT choose another`
          : "";
        return scheduleRetry(`Kamailio did not start: ${why} (log: ${logFile})${hint}`);
      }
      // Ready once it answers and has written its pid file: Kamailio may answer first (seen under load), and a portal
      // killed in between would leave a Kamailio that the next start cannot find, holding the SIP port.
      if ((await optionsPing(options.listen, options.port)) === 200 && existsSync(pidFile)) break;
      if (Date.now() > deadline) {
        await terminate();
        return scheduleRetry(`Kamailio did not answer on ${address} within ${(deadline - startedAt) / 1000} s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    runningRealm = realm;
    log(`SIP registrar: ${address}, realm ${realm}${failures ? " (restarted)" : ""}`);
    started.once("exit", (code, signal) => {
      if (child !== started || stopping) return;
      child = null;
      // Kamailio's worker processes outlive a main process that was killed, holding its ports: end them too.
      killProcessGroup(started);
      if (Date.now() - startedAt > STABLE_MS) failures = 0;
      const why = errorsSince(logFile, offset);
      scheduleRetry(`Kamailio stopped (${signal ?? `exit ${code}`})${why ? `: ${why}` : ""}`);
    });
  }

  // Following the portal: the default server's realm is part of every HA1, so Kamailio must use the same one.
  const realmCheck = setInterval(() => {
    void serially(async () => {
      if (stopping || retryTimer) return;
      const realm = await options.realm().catch(() => runningRealm);
      if (realm === runningRealm) return;
      log(`SIP registrar: the default SIP server's realm is now ${realm ?? "none"} (was ${runningRealm ?? "none"})`);
      await terminate();
      runningRealm = null;
      await start();
    });
  }, options.realmCheckMs ?? 5_000);

  await serially(start);
  return {
    async stop() {
      stopping = true;
      clearInterval(realmCheck);
      if (retryTimer) clearTimeout(retryTimer);
      await serially(terminate);
    },
  };
}
