/**
 * Bursts of failed authentications for one username, from any addresses: the reference Kamailio counts them per
 * username (whatever the address, past its per-address ban), and the portal's scan alerts support once per burst,
 * through the outbox, audited. Each "PBX" is SIPp on its own loopback address (127.0.0.2, .3…).
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "@/lib/auth/policy";
import type { Db } from "@/lib/db";
import { attentionReasons, NEEDS_ATTENTION } from "@/lib/trunks/attention";
import {
  BURST_FAILURES,
  BURST_WINDOW_MS,
  openAuthFailureBurst,
  scanAuthFailureBursts,
} from "@/lib/trunks/auth-failures";
import { createActor, createDemoTrunk, createPortalDatabase, startTestWorker } from "../support/portal";
import { type RegistrarEnvironment, startRegistrarEnvironment } from "../support/registrar-env";
import { sippRegister } from "../support/sipp";
import { subscriber } from "../support/subscribers";

const REALM = "sip1.guess.test";
const SERVER = "Sip1.Guess.test";
/** Each address is banned after this many failures: an attacker needs many addresses. */
const BAN_FAILS = 3;
/** Seven "PBXs", each failing until it is banned: 21 failures, past BURST_FAILURES (20). */
const ATTACKERS = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6", "127.0.0.7", "127.0.0.8"];

/** Wrong passwords for `username` from every address until each is banned; returns each attempt's status. */
async function guessFromEveryAddress(env: RegistrarEnvironment, username: string, domain: string) {
  return Promise.all(
    ATTACKERS.map(async (localIp) => {
      const statuses: (number | "timeout" | null)[] = [];
      for (let attempt = 0; attempt <= BAN_FAILS; attempt++) {
        const result = await sippRegister({
          proxyPort: env.kamailio.sipPort,
          username,
          password: `guess-${attempt}`,
          domain,
          localIp,
          responseTimeoutMs: 1000,
        });
        statuses.push(result.status);
      }
      return statuses;
    }),
  );
}

describe("the reference Kamailio counts failed authentications per username, from any address", () => {
  let env: RegistrarEnvironment;
  let registrarDb: pg.Client;

  beforeAll(async () => {
    env = await startRegistrarEnvironment({ realm: REALM, defines: { BAN_FAILS, PORTAL_IP: "127.0.0.9" } });
    await env.registrar.put(subscriber("guessed", "the-right-one", REALM));
    registrarDb = new pg.Client({ connectionString: env.databaseUrl });
    await registrarDb.connect();
  });

  afterAll(async () => {
    await registrarDb?.end();
    await env?.stop();
  });

  it("past the per-address ban, with every address, not counting good passwords or the portal's checks", async () => {
    const since = new Date(Date.now() - 60_000);
    // Every address is refused BAN_FAILS times, then banned (dropped, so the last attempt times out).
    for (const statuses of await guessFromEveryAddress(env, "guessed", SERVER)) {
      expect(statuses).toEqual([...Array(BAN_FAILS).fill(403), "timeout"]);
    }
    // The right password from another PBX, and a refused check from the portal: neither is a failure to count.
    expect(
      (
        await sippRegister({
          proxyPort: env.kamailio.sipPort,
          username: "guessed",
          password: "the-right-one",
          domain: SERVER,
          localIp: "127.0.0.10",
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await sippRegister({
          proxyPort: env.kamailio.sipPort,
          username: "guessed",
          password: "wrong",
          domain: SERVER,
          localIp: "127.0.0.9",
        })
      ).status,
    ).toBe(403);

    const [counted] = await env.registrar.authFailures({ since, atLeast: 1 });
    expect(counted).toMatchObject({ username: "guessed", failures: ATTACKERS.length * BAN_FAILS, sources: ATTACKERS });
    expect(counted?.firstAt.getTime()).toBeGreaterThanOrEqual(since.getTime() - 60_000);
    // Below the threshold asked for, a username is not reported.
    expect(await env.registrar.authFailures({ since, atLeast: ATTACKERS.length * BAN_FAILS + 1 })).toEqual([]);
  });

  it("records any username the client sends as text, never as SQL", async () => {
    const since = new Date(Date.now() - 60_000);
    const hostile = "o'brien');--";
    const result = await sippRegister({
      proxyPort: env.kamailio.sipPort,
      username: hostile,
      password: "x",
      domain: SERVER,
      localIp: "127.0.0.11",
    });
    expect(result.status).toBe(403);
    expect(await env.registrar.authFailures({ since, atLeast: 1 })).toEqual(
      expect.arrayContaining([expect.objectContaining({ username: hostile, failures: 1, sources: ["127.0.0.11"] })]),
    );
    expect((await registrarDb.query("SELECT count(*)::int AS n FROM subscriber")).rows).toEqual([{ n: 1 }]);
  });

  it("are deleted with the call records (retention)", async () => {
    expect(await env.registrar.purgeRecords(new Date(Date.now() - 3_600_000))).toBe(0);
    expect(await env.registrar.purgeRecords(new Date(Date.now() + 120_000))).toBeGreaterThanOrEqual(2);
    expect(await env.registrar.authFailures({ since: new Date(0), atLeast: 1 })).toEqual([]);
  });
});

describe("a burst against a trunk alerts support, once", () => {
  let db: Db;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let env: RegistrarEnvironment;
  let sales: Actor;

  beforeAll(async () => {
    let url: string;
    ({ db, url } = await createPortalDatabase("auth_bursts"));
    await db.sipServer.create({ data: { hostname: SERVER, realm: REALM, label: "x", credentialCheck: false } });
    sales = await createActor(db, "SALES");
    worker = await startTestWorker({ db, url });
    env = await startRegistrarEnvironment({ realm: REALM, databaseUrl: worker.registrarUrl, defines: { BAN_FAILS } });
  });

  afterAll(async () => {
    await env?.stop();
    await worker?.stop();
    await db?.$disconnect();
  });

  const alertsOf = (trunkId: string) => db.mail.findMany({ where: { trunkId, kind: "trunk.auth-failure-burst" } });

  it("emails support through the outbox and audits it, shows it on the trunk, and ends after a quiet window", async () => {
    expect(ATTACKERS.length * BAN_FAILS).toBeGreaterThanOrEqual(BURST_FAILURES);
    const trunk = await createDemoTrunk(db, sales, "Guessed Co");
    const quiet = await createDemoTrunk(db, sales, "Quiet Co");
    await expect
      .poll(async () => (await db.trunk.findUniqueOrThrow({ where: { id: trunk.id } })).syncState, { timeout: 15_000 })
      .toBe("SYNCED");
    expect(await scanAuthFailureBursts(db, worker.registrar)).toBe(0);

    await guessFromEveryAddress(env, trunk.username, SERVER);
    // A few failures on another trunk are no burst.
    await sippRegister({ proxyPort: env.kamailio.sipPort, username: quiet.username, password: "typo", domain: SERVER });

    expect(await scanAuthFailureBursts(db, worker.registrar)).toBe(1);
    expect(await scanAuthFailureBursts(db, worker.registrar)).toBe(0);
    const [mail, ...more] = await alertsOf(trunk.id);
    expect(more).toEqual([]);
    expect(mail).toMatchObject({ to: "support@example.com" });
    expect(mail?.subject).toBe(`${ATTACKERS.length * BAN_FAILS} failed authentications on SIP trunk ${trunk.username}`);
    expect(mail?.text).toContain(`from ${ATTACKERS.length} addresses`);
    expect(mail?.text).toContain(`/staff/trunks/${trunk.id}`);
    expect(await alertsOf(quiet.id)).toEqual([]);
    expect(
      await db.auditLog.findMany({ where: { action: "trunk.auth-failure-burst", targetId: trunk.id } }),
    ).toMatchObject([{ actorId: null, details: { username: trunk.username, sources: ATTACKERS } }]);

    // Staff see it on the trunk and in the Registrar page's "Needs attention" list; the customer is not alarmed.
    const burst = await openAuthFailureBurst(db, trunk.id);
    const row = await db.trunk.findUniqueOrThrow({ where: { id: trunk.id } });
    expect(attentionReasons(row, [], "staff", burst)).toEqual([
      expect.stringContaining(`${ATTACKERS.length * BAN_FAILS} failed authentications for this username`),
    ]);
    expect(attentionReasons(row, [], "customer", burst)).toEqual([]);
    const attention = await db.trunk.findMany({ where: { ...NEEDS_ATTENTION, id: { in: [trunk.id, quiet.id] } } });
    expect(attention.map((found) => found.id)).toEqual([trunk.id]);

    // A whole window without a burst ends it; failures after that are a new burst, and news again.
    const later = new Date(Date.now() + BURST_WINDOW_MS + 60_000);
    expect(await scanAuthFailureBursts(db, worker.registrar, later)).toBe(0);
    expect(await openAuthFailureBurst(db, trunk.id)).toBeNull();
    expect(await scanAuthFailureBursts(db, worker.registrar)).toBe(1);
    expect(await alertsOf(trunk.id)).toHaveLength(2);
  });
});
