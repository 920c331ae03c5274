/**
 * `npm start` (scripts/start.ts) the way a newcomer runs it, on a data folder from an earlier version: the SIP
 * registrar it runs (real Kamailio, as its own database role, realm from the portal), what happens when Kamailio
 * dies or the default SIP server changes, what it says when Kamailio is missing, and a Ctrl-C in the terminal
 * (SIGINT to the whole foreground process group) that stops everything in order, cleanly, leaving no process behind.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort, startEmbeddedPostgres } from "@/lib/embedded-postgres";
import { ROOT } from "@/lib/paths";
import { optionsPing, probeRegistrarRealm } from "@/lib/registrar/sip-probe";
import { buildBesideTests } from "@/scripts/build-freshness";
import { freeSipPort, freeTcpPort } from "../support/kamailio";

const HOSTNAME = "Sip1.NpmStart.test";
const REALM = "sip1.npmstart.test";

let dataDir: string;
const started: Portal[] = [];

// npm test builds the app while the other files run: npm start must find it built, as on a user's second start.
beforeAll(() => buildBesideTests(900_000), 900_000);

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "npm-start-test-"));
  // As a data folder made by `npm start` is: as root, PostgreSQL runs as the `postgres` user and must get through it.
  chmodSync(dataDir, 0o755);
  // A data folder as earlier versions left it: the superuser's password was the fixed `postgres`, and secrets.json
  // held only the app's two secrets.
  const earlier = await startEmbeddedPostgres({
    dir: path.join(dataDir, "postgres"),
    password: "postgres",
    quiet: true,
  });
  await earlier.stop();
  writeFileSync(
    path.join(dataDir, "secrets.json"),
    JSON.stringify({ AUTH_SECRET: "a".repeat(44), CREDENTIAL_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64") }),
    { mode: 0o600 },
  );
});

// A failed test may leave its portal running, on the SIP and database ports the next test uses: stop it the way the
// user would, so that one failure is reported once.
afterEach(async () => {
  for (const portal of started) await portal.interrupt();
});

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

type Portal = {
  output: () => string;
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>;
  /** Pids of every process the portal has started (its descendants), right now. */
  processes: () => number[];
  /** Ctrl-C in a terminal: SIGINT to the whole foreground process group. Resolves with the exit status. */
  interrupt: () => Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL to the whole process group (what a test runner does to a web server it gives up on). */
  kill: () => Promise<unknown>;
  /** Resolves with the exit status. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

/** The app's settings and secrets from the test run must not leak into the portal under test. */
function cleanEnvironment(): NodeJS.ProcessEnv {
  const environment = { ...process.env };
  for (const name of [
    "DATABASE_URL",
    "REGISTRAR_DATABASE_URL",
    "REGISTRAR_HTTP_URL",
    "REGISTRAR_HTTP_SECRET",
    "AUTH_SECRET",
    "CREDENTIAL_ENCRYPTION_KEY",
    "NODE_ENV",
  ]) {
    delete environment[name];
  }
  return environment;
}

function startPortal(env: Record<string, string>): Portal {
  // Its own process group, as a shell gives a foreground job; stdout and stderr interleaved as a terminal shows them.
  const child: ChildProcess = spawn(path.join(ROOT, "node_modules", ".bin", "tsx"), ["scripts/start.ts"], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...cleanEnvironment(), DATA_DIR: dataDir, DEFAULT_SIP_SERVER: HOSTNAME, ...env },
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  let exited = false;
  void exit.then(() => {
    exited = true;
  });
  const portal: Portal = {
    output: () => output,
    async waitFor(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = output.match(pattern);
        if (match) return match;
        if (exited || Date.now() > deadline) {
          throw new Error(`${exited ? "exited" : "timed out"} waiting for ${pattern}; output:\n${output}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    processes: () => (child.pid ? descendants(child.pid) : []),
    async interrupt() {
      if (!exited && child.pid) process.kill(-child.pid, "SIGINT");
      return exit;
    },
    async kill() {
      if (!exited && child.pid) process.kill(-child.pid, "SIGKILL");
      return exit;
    },
    exit,
  };
  started.push(portal);
  return portal;
}

/** Every live descendant of `pid`, from /proc. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // The command name may contain spaces and parentheses: the fields after it follow the last ')'.
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (state !== "Z") parents.set(Number(entry), Number(ppid));
    } catch {
      // Gone meanwhile.
    }
  }
  const found: number[] = [];
  const visit = (parent: number) => {
    for (const [child, ppid] of parents) {
      if (ppid === parent) {
        found.push(child);
        visit(child);
      }
    }
  };
  visit(pid);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
  } catch {
    return false;
  }
};

/** What must never reach the terminal on the way out. */
function expectCleanShutdown(output: string) {
  expect(output).not.toMatch(/^\s+at .+(:\d+:\d+\)?|\(native\))$/m); // a stack frame
  expect(output).not.toMatch(/terminating connection|ECONNREFUSED|ECONNRESET|unhandled|uncaught|could not stop/i);
}

const secrets = () => JSON.parse(readFileSync(path.join(dataDir, "secrets.json"), "utf8")) as Record<string, string>;
const postgresPort = () => Number(readFileSync(path.join(dataDir, "postgres", "port"), "utf8"));
const superuserUrl = (database: string) =>
  `postgresql://postgres:${secrets().EMBEDDED_POSTGRES_PASSWORD}@127.0.0.1:${postgresPort()}/${database}`;

async function query<T extends pg.QueryResultRow>(database: string, sql: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: superuserUrl(database) });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function waitForRealm(sipPort: number, realm: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = await probeRegistrarRealm("127.0.0.1", sipPort);
    if (probe?.realm === realm) return;
    if (Date.now() > deadline) throw new Error(`Kamailio still answers with ${JSON.stringify(probe)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("npm start", () => {
  let sipPort: number;
  beforeAll(async () => {
    sipPort = await freeSipPort();
  });

  it("runs Kamailio as a least-privilege role with the portal's realm, keeps it running, and stops everything in order on Ctrl-C", async () => {
    const portal = startPortal({
      PORT: String(await freePort()),
      SIP_PORT: String(sipPort),
      SIP_RPC_PORT: String(await freeTcpPort()),
      ADMIN_PASSWORD: "npm-start-admin-password",
    });
    // The first start may build the web app.
    await portal.waitFor(/portal on http:\/\/localhost:\d+/, 480_000);
    expect(portal.output()).toContain(`[trunk-portal] SIP registrar: udp/tcp 127.0.0.1:${sipPort}, realm ${REALM}\n`);
    expect(await optionsPing("127.0.0.1", sipPort)).toBe(200);
    expect(await probeRegistrarRealm("127.0.0.1", sipPort)).toEqual({ status: 401, realm: REALM });

    // The earlier folder was moved to generated passwords; its app secrets are untouched.
    expect(portal.output()).toContain(`embedded PostgreSQL on 127.0.0.1:${postgresPort()} `);
    expect(secrets()).toMatchObject({ AUTH_SECRET: "a".repeat(44) });
    expect(secrets().EMBEDDED_POSTGRES_PASSWORD).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const fixedPassword = new pg.Client({
      connectionString: superuserUrl("postgres").replace(/:[^:@]+@/, ":postgres@"),
    });
    await expect(fixedPassword.connect()).rejects.toMatchObject({ code: "28P01" });
    await fixedPassword.end().catch(() => {});

    // Kamailio is connected, and only as its own role (never as the superuser); its password is not on its
    // command line, which every user of the machine can read. The portal's own sessions there (its registrar adapter
    // connects as the superuser) are the ones named after it. (Clients only: an autovacuum worker may be there too.)
    const kamailioSessions = await query<{ usename: string; datname: string }>(
      "postgres",
      `SELECT DISTINCT usename, datname FROM pg_stat_activity
        WHERE backend_type = 'client backend' AND datname = 'kamailio' AND application_name <> 'trunk-portal'`,
    );
    expect(kamailioSessions).toEqual([{ usename: "kamailio", datname: "kamailio" }]);
    const portalSessionNames = await query<{ application_name: string }>(
      "postgres",
      `SELECT DISTINCT application_name FROM pg_stat_activity
        WHERE backend_type = 'client backend' AND datname = 'trunk_portal'`,
    );
    expect(portalSessionNames).toEqual([{ application_name: "trunk-portal" }]);
    const kamailioPid = Number(readFileSync(path.join(dataDir, "kamailio", "kamailio.pid"), "utf8"));
    const commandLine = readFileSync(`/proc/${kamailioPid}/cmdline`, "utf8");
    expect(commandLine).toContain("postgres://kamailio@127.0.0.1");
    expect(commandLine).not.toContain(secrets().KAMAILIO_DB_PASSWORD);
    expect(commandLine).not.toContain(secrets().EMBEDDED_POSTGRES_PASSWORD);

    // Kamailio dies: it is restarted, and the reason is printed.
    process.kill(kamailioPid, "SIGKILL");
    await portal.waitFor(/SIP registrar: Kamailio stopped \(SIGKILL\); restarting in 1 s\n/);
    await portal.waitFor(/SIP registrar: udp\/tcp [\d.:]+, realm [\w.]+ \(restarted\)\n/);
    expect(await optionsPing("127.0.0.1", sipPort, 1000)).toBe(200);

    // The default SIP server changes (the old one is deactivated): Kamailio follows with the new realm.
    await query("trunk_portal", `UPDATE "SipServer" SET active = false`);
    await query(
      "trunk_portal",
      `INSERT INTO "SipServer" (id, hostname, realm, label, active, "updatedAt")
         VALUES ('npm-start-second', 'Sip2.NpmStart.test', 'sip2.npmstart.test', 'Second', true, now())`,
    );
    await portal.waitFor(/the default SIP server's realm is now sip2\.npmstart\.test \(was sip1\.npmstart\.test\)\n/);
    await waitForRealm(sipPort, "sip2.npmstart.test");

    const processes = portal.processes();
    expect(processes.length).toBeGreaterThan(3);
    const before = portal.output().length;
    expect(await portal.interrupt()).toEqual({ code: 0, signal: null });
    const shutdown = portal.output().slice(before);
    expect(shutdown.match(/\[trunk-portal\] stopped .+/g)).toEqual([
      "[trunk-portal] stopped the web server",
      "[trunk-portal] stopped the worker",
      "[trunk-portal] stopped the SIP registrar",
      "[trunk-portal] stopped the embedded PostgreSQL",
    ]);
    expectCleanShutdown(portal.output());
    expect(processes.filter(alive)).toEqual([]);
  }, 600_000);

  it("without Kamailio, says once how to install it and carries on, on the same database port", async () => {
    const portal = startPortal({
      PORT: String(await freePort()),
      SIP_PORT: String(sipPort),
      SIP_RPC_PORT: String(await freeTcpPort()),
      KAMAILIO: path.join(dataDir, "no-kamailio-here"),
    });
    await portal.waitFor(/portal on http:\/\/localhost:\d+/, 480_000);
    const sudo = process.getuid?.() === 0 ? "" : "sudo ";
    const advice = `SIP registrar: not started, Kamailio is not installed. To get one, run: ${sudo}apt-get install kamailio kamailio-postgres-modules`;
    expect(portal.output().split(advice).length - 1).toBe(1);
    expect(portal.output()).toContain(`embedded PostgreSQL on 127.0.0.1:${postgresPort()} `);
    expect(await optionsPing("127.0.0.1", sipPort, 500)).toBeNull();

    // The Ctrl-C reaches the web server before the portal (it can, under load): still a normal stop. The web server
    // (scripts/serve.mjs) handles SIGINT once it says it is ready (exit status 130).
    await portal.waitFor(/web server ready on port/);
    const processes = portal.processes();
    const webServer = processes.find((pid) =>
      readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("scripts/serve.mjs"),
    );
    expect(webServer).toBeDefined();
    const before = portal.output().length;
    process.kill(webServer ?? 0, "SIGINT");
    expect(await portal.exit).toEqual({ code: 0, signal: null });
    expect(
      portal
        .output()
        .slice(before)
        .match(/\[trunk-portal\] stopped .+/g),
    ).toEqual([
      "[trunk-portal] stopped the web server",
      "[trunk-portal] stopped the worker",
      "[trunk-portal] stopped the embedded PostgreSQL",
    ]);
    expectCleanShutdown(portal.output());
    expect(processes.filter(alive)).toEqual([]);
    expect(existsSync(path.join(dataDir, "postgres", "pgdata", "postmaster.pid"))).toBe(false);
  }, 600_000);

  it("clears away the database and Kamailio a portal killed outright left running, then starts as usual", async () => {
    const env = { SIP_PORT: String(sipPort), SIP_RPC_PORT: String(await freeTcpPort()) };
    const killed = startPortal({ ...env, PORT: String(await freePort()) });
    await killed.waitFor(/portal on http:\/\/localhost:\d+/, 480_000);
    await killed.kill();
    const keptPort = postgresPort();
    // PostgreSQL and Kamailio run in process groups of their own: they survive that.
    const postmaster = Number.parseInt(
      readFileSync(path.join(dataDir, "postgres", "pgdata", "postmaster.pid"), "utf8"),
      10,
    );
    const kamailio = Number(readFileSync(path.join(dataDir, "kamailio", "kamailio.pid"), "utf8"));
    expect([postmaster, kamailio].filter(alive)).toEqual([postmaster, kamailio]);

    const portal = startPortal({ ...env, PORT: String(await freePort()) });
    await portal.waitFor(/portal on http:\/\/localhost:\d+/, 480_000);
    expect(portal.output()).toContain(
      `stopped the server an earlier run left running on ${path.join(dataDir, "postgres")} (pid ${postmaster})`,
    );
    expect(portal.output()).toContain(
      `SIP registrar: stopped the Kamailio an earlier run left running (pid ${kamailio})`,
    );
    // The port was freed in time: it stays the one the first start chose.
    expect(portal.output()).toContain(`embedded PostgreSQL on 127.0.0.1:${keptPort} `);
    expect(portal.output()).toContain(`SIP registrar: udp/tcp 127.0.0.1:${sipPort}, realm sip2.npmstart.test\n`);
    expect(await optionsPing("127.0.0.1", sipPort, 1000)).toBe(200);

    const processes = portal.processes();
    expect(await portal.interrupt()).toEqual({ code: 0, signal: null });
    expect([postmaster, kamailio, ...processes].filter(alive)).toEqual([]);
  }, 600_000);
});
