import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../../lib/auth/passwords";
import type { Actor } from "../../lib/auth/policy";
import { SIGN_IN_LIMITS } from "../../lib/auth/sign-in";
import type { Db } from "../../lib/db";
import { SCHEDULE } from "../../lib/jobs/tasks";
import { SEND_MAIL_TASK } from "../../lib/mail/queue";
import { ROOT } from "../../lib/paths";
import { REVEALS_PER_WINDOW } from "../../lib/portal";
import { ensureRegistrarSchema } from "../../lib/registrar/schema";
import { decryptTrunkPassword } from "../../lib/trunks/password";
import { SYNC_TRUNK_TASK } from "../../lib/trunks/provision";
import { buildBesideTests, buildIsStale } from "../../scripts/build-freshness";
import { apiKeyFor } from "../support/api";
import { createTestDatabase } from "../support/database";
import { freeTcpPort } from "../support/kamailio";
import { createActor, createPortalDatabase, waitForQueueToDrain } from "../support/portal";
import { TestSmtpServer } from "../support/smtp";

/**
 * Two web instances and two workers on one PostgreSQL, as a deployment that outgrew one machine runs them: two
 * production web servers (the built app, served by scripts/serve.mjs as `npm start` serves it) on two ports, and two
 * `npm run worker` processes. Everything is proved through HTTP, the way a load balancer would spread requests:
 * API idempotency keys, sessions, the sign-in throttle, jobs and schedules are shared, never per instance.
 */
let url: string;
let registrarUrl: string;
let db: Db;
const smtp = new TestSmtpServer();
const children: ChildProcess[] = [];
const output: string[] = [];
let webA: string;
let webB: string;
let admin: Actor;
let apiKey: string;

const PASSWORD = "many-instances-correct-horse";
const TRUNKS = 30;
let serverId: string;

/** The tasks the schedule (lib/jobs/tasks.ts SCHEDULE) runs every minute. */
const EVERY_MINUTE = SCHEDULE.filter((item) => item.match === "* * * * *").map((item) => item.task);

/**
 * Records every job the workers' schedule queues, with its task and the tick (minute) it was queued for, from the
 * start of the test on: a trigger on graphile-worker's job table, in this test's database only.
 */
async function countScheduledRuns() {
  await db.$executeRawUnsafe(
    "CREATE TABLE scheduled_runs (task text, tick text, at timestamptz DEFAULT clock_timestamp())",
  );
  await db.$executeRawUnsafe(`
    CREATE FUNCTION count_scheduled_run() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.payload::jsonb ? '_cron' THEN
        INSERT INTO public.scheduled_runs (task, tick)
          SELECT identifier, NEW.payload::jsonb->'_cron'->>'ts' FROM graphile_worker._private_tasks WHERE id = NEW.task_id;
      END IF;
      RETURN NEW;
    END $$`);
  await db.$executeRawUnsafe(`
    CREATE TRIGGER count_scheduled_runs AFTER INSERT ON graphile_worker._private_jobs
    FOR EACH ROW EXECUTE FUNCTION count_scheduled_run()`);
}

/** The every-minute tasks queued per tick, for the ticks after the recording started (the first may be partial). */
async function scheduledRuns() {
  const rows = await db.$queryRawUnsafe<{ task: string; tick: string }[]>(
    "SELECT task, tick FROM scheduled_runs WHERE task = ANY($1::text[]) ORDER BY tick",
    EVERY_MINUTE,
  );
  const perTick = new Map<string, string[]>();
  for (const row of rows) perTick.set(row.tick, [...(perTick.get(row.tick) ?? []), row.task]);
  return { perTick, ticks: new Set(perTick.keys()) };
}

function startChild(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url, REGISTRAR_DATABASE_URL: registrarUrl, SMTP_URL: smtp.url, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Kept for the failure message of a process that does not come up.
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  children.push(child);
  return child;
}

async function startWebInstance() {
  const port = await freeTcpPort();
  const base = `http://127.0.0.1:${port}`;
  const child = startChild([path.join(ROOT, "scripts", "serve.mjs")], {
    PORT: String(port),
    PORTAL_URL: base,
    AUTH_TRUST_HOST: "true",
    NEXT_TELEMETRY_DISABLED: "1",
  });
  // Generous: the whole suite runs beside it on a loaded machine; a server that is up answers at once.
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the web server on ${port} exited:\n${output.join("")}`);
    const ready = await fetch(`${base}/api/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return base;
    if (Date.now() > deadline)
      throw new Error(`the web server on ${port} did not answer within 120 s:\n${output.join("")}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// npm test builds the app while the other files run; this bound only stops a build that hangs.
beforeAll(() => buildBesideTests(900_000), 900_000);

beforeAll(async () => {
  if (buildIsStale(ROOT)) {
    throw new Error(
      "The production build (.next) is missing or older than the sources: run `npx next build` first (npm test builds it before the suites).",
    );
  }
  const created = await createPortalDatabase("instances");
  url = created.url;
  db = created.db;
  await countScheduledRuns();
  registrarUrl = await createTestDatabase("instances_registrar");
  await ensureRegistrarSchema(registrarUrl);
  await smtp.start();
  admin = await createActor(db, "ADMIN");
  apiKey = (await apiKeyFor(db, admin)).secret;
  serverId = (
    await db.sipServer.create({ data: { hostname: "Sip1.Many.example", realm: "sip1.many.example", label: "x" } })
  ).id;
  [webA, webB] = await Promise.all([startWebInstance(), startWebInstance()]);
  // Both workers must be up (each beats into WorkerHeartbeat) before work arrives, or one could do it all.
  for (let index = 0; index < 2; index++) startChild(["--import", "tsx", path.join(ROOT, "scripts", "worker.ts")], {});
  const deadline = Date.now() + 60_000;
  while ((await db.workerHeartbeat.count()) < 2) {
    if (Date.now() > deadline) throw new Error(`the two workers did not start within 60 s:\n${output.join("")}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}, 240_000);

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
  }
  await smtp.stop();
  await db?.$disconnect();
});

/** An API call to one instance. */
async function api(base: string, method: string, route: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}/api/v1${route}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as Record<string, unknown>,
  };
}

/**
 * A form as a browser without JavaScript submits it: the page's hidden fields (the server action's reference) plus
 * the given ones, posted to the page. `pick` chooses the form by its HTML.
 */
async function submitForm(
  base: string,
  page: string,
  pick: (formHtml: string) => boolean,
  values: Record<string, string>,
  cookie = "",
) {
  const html = await (await fetch(`${base}${page}`, { headers: { cookie } })).text();
  const form = [...html.matchAll(/<form\b[^>]*>([\s\S]*?)<\/form>/g)].find((match) => pick(match[1] ?? ""));
  if (!form) throw new Error(`no such form on ${page} of ${base}`);
  const data = new FormData();
  for (const input of (form[1] ?? "").matchAll(/<input\b[^>]*type="hidden"[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(input[0])?.[1];
    const value = /value="([^"]*)"/.exec(input[0])?.[1] ?? "";
    if (name) data.append(unescapeHtml(name), unescapeHtml(value));
  }
  for (const [name, value] of Object.entries(values)) data.set(name, value);
  return fetch(`${base}${page}`, { method: "POST", body: data, headers: { cookie }, redirect: "manual" });
}

const unescapeHtml = (text: string) =>
  text
    .replaceAll("&quot;", '"')
    .replaceAll("&#x27;", "'")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");

const signInForm = (html: string) => html.includes('name="password"');

/** Signs in on one instance through the sign-in form; returns the session cookie a browser would keep. */
async function signIn(base: string, email: string, password: string) {
  const response = await submitForm(base, "/sign-in", signInForm, { email, password });
  expect(response.status, "a sign-in redirects to the staff pages").toBe(303);
  const session = response.headers.getSetCookie().find((cookie) => cookie.startsWith("authjs.session-token="));
  if (!session) throw new Error(`no session cookie: ${response.headers.getSetCookie().join(" | ")}`);
  return session.split(";")[0] as string;
}

/** Whether a session cookie gets the staff home page on an instance (rather than a redirect to sign in). */
async function staffPage(base: string, cookie: string) {
  const response = await fetch(`${base}/staff`, { headers: { cookie }, redirect: "manual" });
  return { status: response.status, location: response.headers.get("location") ?? "" };
}

async function staffWithPassword(role: "ADMIN" | "SUPPORT") {
  const staff = await createActor(db, role);
  await db.user.update({ where: { id: staff.id }, data: { passwordHash: await hashPassword(PASSWORD) } });
  return staff;
}

const instances = () => [webA, webB];

describe("two web instances and two workers on one database", () => {
  it("an Idempotency-Key retried on the other instance gets the first trunk, even when both race", async () => {
    const customer = await api(webA, "POST", "/customers", {
      company: "Many Voice",
      contactName: "M",
      contactEmail: "orders@many.example",
    });
    expect(customer.status).toBe(201);
    const body = {
      customerId: customer.json.id,
      serverIds: [serverId],
      callLimit: 5,
      dialPermission: "US_ONLY",
      callerIdPolicy: "FORCED",
    };
    const first = await api(webA, "POST", "/trunks", body, { "idempotency-key": "order-1" });
    const retry = await api(webB, "POST", "/trunks", body, { "idempotency-key": "order-1" });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.json.id).toBe(first.json.id);

    const racing = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        api(instances()[index % 2] as string, "POST", "/trunks", body, { "idempotency-key": "order-2" }),
      ),
    );
    expect(racing.map((response) => response.status)).toEqual(Array(8).fill(201));
    expect(new Set(racing.map((response) => response.json.id)).size).toBe(1);
    expect(await db.trunk.count({ where: { customerId: String(customer.json.id) } })).toBe(2);
  });

  it("sync every trunk and send every credentials email exactly once, whichever instance took the order", async () => {
    const customer = await api(webB, "POST", "/customers", {
      company: "Many Orders",
      contactName: "M",
      contactEmail: "orders@many-orders.example",
    });
    const created = await Promise.all(
      Array.from({ length: TRUNKS }, (_, index) =>
        api(instances()[index % 2] as string, "POST", "/trunks", {
          customerId: customer.json.id,
          serverIds: [serverId],
          callLimit: 5,
          dialPermission: "US_ONLY",
          callerIdPolicy: "FORCED",
        }),
      ),
    );
    expect(created.map((response) => response.status)).toEqual(Array(TRUNKS).fill(201));
    await waitForQueueToDrain(db, SYNC_TRUNK_TASK, 60_000);
    await waitForQueueToDrain(db, SEND_MAIL_TASK, 60_000);

    const mine = { customerId: String(customer.json.id) };
    expect(await db.trunk.count({ where: { ...mine, syncState: "SYNCED" } })).toBe(TRUNKS);
    const registrar = new pg.Client({ connectionString: registrarUrl });
    await registrar.connect();
    try {
      const usernames = (await db.trunk.findMany({ where: mine, select: { username: true } })).map((t) => t.username);
      const { rows } = await registrar.query(
        "SELECT count(DISTINCT username)::int AS count FROM subscriber WHERE username = ANY($1)",
        [usernames],
      );
      expect(rows[0].count).toBe(TRUNKS);
    } finally {
      await registrar.end();
    }
    const sent = await db.mail.findMany({
      where: { kind: "credentials.new", to: "orders@many-orders.example" },
      select: { messageId: true, status: true },
    });
    expect(sent).toHaveLength(TRUNKS);
    expect(sent.every((mail) => mail.status === "SENT")).toBe(true);
    const received = smtp.received.filter((mail) => sent.some((row) => row.messageId === mail.messageId));
    // Each email arrived once: no second worker sent it again.
    expect(received.map((mail) => mail.messageId).sort()).toEqual(sent.map((mail) => mail.messageId).sort());
  }, 120_000);

  it("share sessions: a cookie from one instance works on the other, and signing out on one ends it on both", async () => {
    const staff = await staffWithPassword("SUPPORT");
    const cookie = await signIn(webA, staff.email, PASSWORD);
    expect((await staffPage(webA, cookie)).status).toBe(200);
    expect((await staffPage(webB, cookie)).status).toBe(200);

    // Sign out on B, with the header's Sign out button, as a browser without JavaScript would.
    const signedOut = await submitForm(webB, "/staff", (html) => html.includes("Sign out"), {}, cookie);
    expect(signedOut.status).toBe(303);
    for (const base of instances()) {
      const after = await staffPage(base, cookie);
      expect(after.status, `${base} after sign-out`).toBeGreaterThanOrEqual(300);
      expect(after.status).toBeLessThan(400);
      expect(after.location).toContain("/sign-in");
    }
  });

  it("share the sign-in throttle: parallel guesses over both instances never get past its limit", async () => {
    const staff = await staffWithPassword("ADMIN");
    const answers = await Promise.all(
      Array.from({ length: 14 }, async (_, index) => {
        const response = await submitForm(instances()[index % 2] as string, "/sign-in", signInForm, {
          email: staff.email,
          password: `wrong guess ${index}`,
        });
        return response.text();
      }),
    );
    const checked = answers.filter((html) => html.includes("Wrong email or password.")).length;
    const throttled = answers.filter((html) => html.includes("Too many failed attempts.")).length;
    expect(checked).toBe(SIGN_IN_LIMITS.accountFromSource.limit);
    expect(throttled).toBe(answers.length - checked);
    // The right password is refused as well while the throttle holds, on either instance.
    const owner = await submitForm(webB, "/sign-in", signInForm, { email: staff.email, password: PASSWORD });
    expect(owner.status).toBe(200);
    expect(await owner.text()).toContain("Too many failed attempts.");
  });

  it("share the customers' reveal limit: parallel reveals over both instances show the password at most 5 times", async () => {
    const email = "owner@reveals.example";
    const customer = await api(webA, "POST", "/customers", {
      company: "Reveals",
      contactName: "R",
      contactEmail: email,
    });
    const trunk = await api(webA, "POST", "/trunks", {
      customerId: customer.json.id,
      serverIds: [serverId],
      callLimit: 5,
      dialPermission: "US_ONLY",
      callerIdPolicy: "FORCED",
    });
    expect(trunk.status).toBe(201);
    // The customer signs in the way they do: a link emailed by a worker, opened on the other instance.
    const requested = await submitForm(webA, "/portal/sign-in", (html) => html.includes('name="email"'), { email });
    expect(requested.status).toBeLessThan(400);
    const isLink = (mail: { to: string; subject: string }) => mail.to === email && mail.subject.startsWith("Sign in");
    await expect.poll(() => smtp.received.some(isLink), { timeout: 60_000 }).toBe(true);
    const link = /http:\/\/[^/\s]+(\/api\/auth\/callback\/email\?\S+)/.exec(
      smtp.received.find(isLink)?.text ?? "",
    )?.[1];
    if (!link) throw new Error("no sign-in link in the email");
    const opened = await fetch(`${webB}${link}`, { redirect: "manual" });
    const session = opened.headers.getSetCookie().find((cookie) => cookie.startsWith("authjs.session-token="));
    if (!session) throw new Error(`the link gave no session: ${opened.status}`);
    const cookie = session.split(";")[0] as string;

    const stored = await db.trunk.findUniqueOrThrow({ where: { id: String(trunk.json.id) } });
    const password = decryptTrunkPassword(stored);
    const page = `/portal/trunks/${stored.id}`;
    const answers = await Promise.all(
      Array.from({ length: 9 }, async (_, index) => {
        const response = await submitForm(
          instances()[index % 2] as string,
          page,
          (html) => html.includes('name="trunkId"'),
          {},
          cookie,
        );
        return response.text();
      }),
    );
    expect(answers.filter((html) => html.includes(password)).length).toBe(REVEALS_PER_WINDOW);
    expect(answers.filter((html) => html.includes("You have revealed passwords several times")).length).toBe(
      answers.length - REVEALS_PER_WINDOW,
    );
    expect(await db.auditLog.count({ where: { action: "trunk.reveal-password", targetId: stored.id } })).toBe(
      REVEALS_PER_WINDOW,
    );
  });
  it("run each scheduled task once per period, however many workers run it", async () => {
    // Two ticks of the every-minute schedule: when the second has run, both workers have long handled the first.
    await expect
      .poll(async () => (await scheduledRuns()).ticks.size, { timeout: 130_000, interval: 500 })
      .toBeGreaterThanOrEqual(2);
    const { perTick, ticks } = await scheduledRuns();
    for (const [tick, tasks] of perTick) {
      expect(tasks.sort(), `jobs queued for the ${tick} tick`).toEqual([...EVERY_MINUTE].sort());
    }
    expect(ticks.size).toBeGreaterThanOrEqual(2);
    expect(children.every((child) => child.exitCode === null)).toBe(true);
  }, 150_000);
});
