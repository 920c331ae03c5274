/**
 * SIPp helpers for the registrar tests. Every helper writes its scenario XML to a fresh temp directory and runs
 * `sipp` bound to 127.0.0.1 (all SIP traffic stays on loopback). Results come from `<log>` actions written with
 * -trace_logs, one line per call: "RESULT <call_number> <status>" — so a caller gets each call's final status, not
 * just SIPp's all-or-nothing exit code.
 *
 * Credentials go to SIPp with -au/-ap (SIPp does not expand keywords inside [authentication …]); they are never
 * logged.
 */
import { spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { registerScenario, uacScenario, uasScenario } from "./sipp-scenarios";

export const LOOPBACK = "127.0.0.1";

/** A free UDP port on 127.0.0.1 (bind to 0, read, close). */
export async function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    socket.on("error", reject);
    socket.bind(0, LOOPBACK, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** Set KEEP_TEST_ARTIFACTS=1 to keep scenarios, SIPp message traces and Kamailio logs after the run. */
export const KEEP_ARTIFACTS = process.env.KEEP_TEST_ARTIFACTS === "1";

/** All SIPp work directories of this process live under one directory, removed by removeSippArtifacts(). */
const ARTIFACTS_ROOT = path.join(os.tmpdir(), `registrar-sipp-${process.pid}`);

function workDir(prefix: string): string {
  mkdirSync(ARTIFACTS_ROOT, { recursive: true, mode: 0o700 });
  return mkdtempSync(path.join(ARTIFACTS_ROOT, `${prefix}-`));
}

/** Removes this process's SIPp work directories (unless KEEP_TEST_ARTIFACTS=1). Call it from afterAll. */
export function removeSippArtifacts(): void {
  if (KEEP_ARTIFACTS) {
    process.stderr.write(`[sipp] artifacts kept in ${ARTIFACTS_ROOT}\n`);
    return;
  }
  rmSync(ARTIFACTS_ROOT, { recursive: true, force: true });
}

export type SippRun = {
  /** SIPp's exit code (0 = every call succeeded). */
  exitCode: number | null;
  /** Lines written by <log> actions. */
  logLines: string[];
  /** Directory with the scenario, -trace_logs / -trace_err / -trace_msg files (kept for debugging). */
  dir: string;
};

type RunOptions = {
  dir: string;
  scenario: string;
  args: string[];
  /** Hard stop: SIPp is killed after this long (its own -timeout should normally end it first). */
  killAfterMs: number;
  /** The address SIPp sends from (another loopback address stands for another PBX); 127.0.0.1 by default. */
  localIp?: string;
};

/** Starts SIPp; resolves when it exits. */
function startSipp(opts: RunOptions): { done: Promise<SippRun>; pid: number | undefined; kill: () => void } {
  const scenarioFile = path.join(opts.dir, "scenario.xml");
  writeFileSync(scenarioFile, opts.scenario, { mode: 0o600 });
  const logFile = path.join(opts.dir, "logs.log");
  const args = [
    "-sf",
    scenarioFile,
    "-i",
    opts.localIp ?? LOOPBACK,
    "-nostdin",
    "-trace_logs",
    "-log_file",
    logFile,
    "-trace_err",
    "-error_file",
    path.join(opts.dir, "errors.log"),
    "-trace_msg",
    "-message_file",
    path.join(opts.dir, "messages.log"),
    ...opts.args,
  ];
  const child = spawn("sipp", args, { cwd: opts.dir, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), opts.killAfterMs);
  const done = new Promise<SippRun>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (stderr.trim()) writeFileSync(path.join(opts.dir, "stderr.log"), stderr);
      const logLines = existsSync(logFile)
        ? readFileSync(logFile, "utf8")
            .split("\n")
            .map((l) => l.trim())
            .filter(Boolean)
        : [];
      resolve({ exitCode: code, logLines, dir: opts.dir });
    });
  });
  return { done, pid: child.pid, kill: () => child.kill("SIGKILL") };
}

/** "CHALLENGE <call_number> <401|407>" lines: which calls were challenged before their final response. */
function parseChallenges(lines: string[]): Map<number, number> {
  const challenges = new Map<number, number>();
  for (const line of lines) {
    const m = /CHALLENGE (\d+) (\d{3})/.exec(line);
    if (m) challenges.set(Number(m[1]), Number(m[2]));
  }
  return challenges;
}

/** The final response's status line and Reason header per call, from the "REPLY" lines. */
export type FinalReply = { statusLine: string; reasonHeader: string | null };

function parseReplies(lines: string[]): Map<number, FinalReply> {
  const replies = new Map<number, FinalReply>();
  for (const line of lines) {
    const m = /^REPLY (\d+) (.*)\|(.*)$/.exec(line);
    if (m) replies.set(Number(m[1]), { statusLine: m[2] ?? "", reasonHeader: m[3]?.trim() || null });
  }
  return replies;
}

function parseResults(lines: string[]): Map<number, number | "timeout"> {
  const results = new Map<number, number | "timeout">();
  for (const line of lines) {
    const m = /RESULT (\d+) (\d{3}|timeout)/.exec(line);
    if (m) results.set(Number(m[1]), m[2] === "timeout" ? "timeout" : Number(m[2]));
  }
  return results;
}

// ---------------------------------------------------------------------------------------------------- REGISTER

export type RegisterOptions = {
  proxyPort: number;
  username: string;
  password: string;
  /** Domain in the R-URI / From / To (the server name the customer typed). */
  domain: string;
  /** Local SIP port (default: a free one). */
  localPort?: number;
  expires?: number;
  userAgent?: string;
  /** How long to wait for each response before reporting "timeout". */
  responseTimeoutMs?: number;
  /** Send from this loopback address (127.0.0.2…) instead of 127.0.0.1: another PBX, as the registrar sees it. */
  localIp?: string;
};

export type RegisterResult = {
  /** Final response to the (authenticated) REGISTER, "timeout" when none came, null for an unexpected message. */
  status: number | "timeout" | null;
  /** The challenge (401) answered before the final response, null when there was none. */
  challenge: number | null;
  localPort: number;
  run: SippRun;
};

/** One REGISTER with digest authentication; returns the final status. */
export async function sippRegister(options: RegisterOptions): Promise<RegisterResult> {
  const localPort = options.localPort ?? (await freeUdpPort());
  const o = {
    username: options.username,
    domain: options.domain,
    localPort,
    expires: options.expires ?? 300,
    userAgent: options.userAgent ?? "SIPp registrar test",
    responseTimeoutMs: options.responseTimeoutMs ?? 5000,
  };
  const dir = workDir("register");
  const { done } = startSipp({
    dir,
    localIp: options.localIp,
    scenario: registerScenario(o),
    args: [
      `${LOOPBACK}:${options.proxyPort}`,
      "-p",
      String(localPort),
      "-au",
      options.username,
      "-ap",
      options.password,
      "-m",
      "1",
      "-timeout",
      `${Math.ceil((2 * o.responseTimeoutMs) / 1000) + 5}s`,
    ],
    killAfterMs: 2 * o.responseTimeoutMs + 15_000,
  });
  const run = await done;
  const status = parseResults(run.logLines).get(1) ?? null;
  return { status, challenge: parseChallenges(run.logLines).get(1) ?? null, localPort, run };
}

// ---------------------------------------------------------------------------------------------------- calls (UAC)

export type CallsOptions = {
  proxyPort: number;
  /** Destination (R-URI user), e.g. "+442071234567" or "9195551234". */
  to: string;
  /** From user (caller ID the PBX sends). */
  from: string;
  fromDisplay?: string;
  domain: string;
  /** Digest credentials; omit for a peer that is not challenged (the carrier). */
  username?: string;
  password?: string;
  /** Number of calls. */
  calls?: number;
  /** New calls per second (they overlap when holdMs is long enough). */
  rate?: number;
  /** How long an answered call stays up before BYE. */
  holdMs?: number;
  localPort?: number;
  responseTimeoutMs?: number;
  /** Extra header lines added to the INVITE (e.g. a P-Asserted-Identity the proxy must strip). */
  extraHeaders?: string[];
  /** Host of the To header when it differs from `domain` (the Request-URI's). */
  toDomain?: string;
};

export type CallsResult = {
  /** Final INVITE status of each call, in call order ("timeout" when none came, null when unexpected). */
  statuses: (number | "timeout" | null)[];
  /** Per call: the challenge (401/407) answered before the final response, null when there was none. */
  challenges: (number | null)[];
  /** Per call: the final response's status line and Reason header (null for an answered or timed-out call). */
  replies: (FinalReply | null)[];
  run: SippRun;
};

/** Places `calls` calls (overlapping when holdMs > 1000/rate) and reports each call's final INVITE status. */
export async function sippCalls(options: CallsOptions): Promise<CallsResult> {
  const calls = options.calls ?? 1;
  const rate = options.rate ?? 10;
  const holdMs = options.holdMs ?? 200;
  const responseTimeoutMs = options.responseTimeoutMs ?? 5000;
  const localPort = options.localPort ?? (await freeUdpPort());
  const dir = workDir("uac");
  const args = [
    `${LOOPBACK}:${options.proxyPort}`,
    "-p",
    String(localPort),
    "-m",
    String(calls),
    "-l",
    String(calls),
    "-r",
    String(rate),
    // Do not send BYE for calls that ended on an unexpected response.
    "-default_behaviors",
    "all,-bye",
  ];
  if (options.username) args.push("-au", options.username, "-ap", options.password ?? "");
  const budgetMs = (calls / rate) * 1000 + holdMs + 3 * responseTimeoutMs;
  args.push("-timeout", `${Math.ceil(budgetMs / 1000) + 5}s`);
  const { done } = startSipp({
    dir,
    scenario: uacScenario({
      to: options.to,
      from: options.from,
      fromDisplay: options.fromDisplay,
      domain: options.domain,
      toDomain: options.toDomain ?? options.domain,
      holdMs,
      responseTimeoutMs,
      extraHeaders: options.extraHeaders ?? [],
    }),
    args,
    killAfterMs: budgetMs + 15_000,
  });
  const run = await done;
  const results = parseResults(run.logLines);
  const challenges = parseChallenges(run.logLines);
  const statuses = Array.from({ length: calls }, (_, i) => results.get(i + 1) ?? null);
  const replies = parseReplies(run.logLines);
  return {
    statuses,
    challenges: statuses.map((_, i) => challenges.get(i + 1) ?? null),
    replies: statuses.map((_, i) => replies.get(i + 1) ?? null),
    run,
  };
}

// ---------------------------------------------------------------------------------------------------- UAS

export type ReceivedInvite = {
  callId: string;
  requestUri: string;
  from: string;
  pAssertedIdentity: string | null;
};

export type Uas = {
  port: number;
  /** Resolves when the UAS has handled `calls` calls (or was stopped / timed out). */
  done: Promise<{ invites: ReceivedInvite[]; run: SippRun }>;
  stop(): void;
};

function parseInvites(lines: string[]): ReceivedInvite[] {
  return lines
    .filter((l) => l.startsWith("INVITE|"))
    .map((l) => {
      const [, callId = "", requestUri = "", from = "", pai = ""] = l.split("|");
      // The R-URI capture is the whole "INVITE <uri>" match (SIPp rejects capture variables that are never used).
      return {
        callId,
        requestUri: requestUri.replace(/^INVITE /, ""),
        from,
        pAssertedIdentity: pai.trim() === "" ? null : pai,
      };
    });
}

/**
 * A UAS that answers `calls` INVITEs (200 by default, echoing Record-Route so ACK/BYE come back through the proxy)
 * and records the R-URI, From and P-Asserted-Identity of each. Used as the carrier (bind it to the CARRIER port)
 * and as a registered trunk PBX (see startRegisteredUas).
 */
export async function startUas(options: {
  port?: number;
  calls: number;
  timeoutMs?: number;
  answerCode?: number;
}): Promise<Uas> {
  const port = options.port ?? (await freeUdpPort());
  const timeoutMs = options.timeoutMs ?? 20_000;
  const dir = workDir("uas");
  const proc = startSipp({
    dir,
    scenario: uasScenario({ answerCode: options.answerCode ?? 200 }),
    args: ["-p", String(port), "-m", String(options.calls), "-timeout", `${Math.ceil(timeoutMs / 1000)}s`],
    killAfterMs: timeoutMs + 5000,
  });
  const done = proc.done.then((run) => ({ invites: parseInvites(run.logLines), run }));
  // SIPp needs a moment to bind its socket before the first INVITE arrives.
  let exited = false;
  void proc.done.then(() => {
    exited = true;
  });
  await waitForUdpBound(port, () => exited);
  return { port, done, stop: proc.kill };
}

/**
 * A trunk PBX that receives inbound calls: REGISTERs from `port` (the proxy stores that source address), then
 * answers INVITEs on the same port. SIPp matches messages to calls by Call-ID, so one UAC-mode process cannot
 * register and then accept a new incoming call: the two steps are two processes on the same port, one after the
 * other.
 */
export async function startRegisteredUas(options: {
  proxyPort: number;
  username: string;
  password: string;
  domain: string;
  calls: number;
  timeoutMs?: number;
  answerCode?: number;
}): Promise<Uas & { registerStatus: RegisterResult["status"] }> {
  const registration = await sippRegister({
    proxyPort: options.proxyPort,
    username: options.username,
    password: options.password,
    domain: options.domain,
  });
  const uas = await startUas({
    port: registration.localPort,
    calls: options.calls,
    timeoutMs: options.timeoutMs,
    answerCode: options.answerCode,
  });
  return { ...uas, registerStatus: registration.status };
}

/**
 * Polls until a socket is bound to 127.0.0.1:port over UDP, reading /proc/net/udp. (Probing by binding the port
 * ourselves would race SIPp: a probe holding the port at the moment SIPp binds makes SIPp fail to start.)
 */
async function waitForUdpBound(port: number, hasExited: () => boolean, timeoutMs = 20_000): Promise<void> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const bound = new Set([`0100007F:${hexPort}`, `00000000:${hexPort}`]);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const table = readFileSync("/proc/net/udp", "utf8");
    if (table.split("\n").some((line) => bound.has(line.trim().split(/\s+/)[1] ?? ""))) return;
    if (hasExited()) throw new Error(`SIPp exited before binding UDP ${LOOPBACK}:${port}`);
    if (Date.now() > deadline) throw new Error(`SIPp did not bind UDP ${LOOPBACK}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
