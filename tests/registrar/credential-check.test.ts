/**
 * Proven credentials: the self-test's SIP client against the real Kamailio (a digest REGISTER by the exact server
 * name, then the removal of its own contact only; the customer's registration must survive every check), and the
 * whole path from a staff command through the worker's sync and check to what the trunk page shows.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "@/lib/auth/policy";
import { executeCommand } from "@/lib/commands";
import type { Db } from "@/lib/db";
import { probeRegistration } from "@/lib/sip/register-probe";
import { resetTrunkPassword, revealTrunkPassword } from "@/lib/trunks";
import { attentionReasons } from "@/lib/trunks/attention";
import { checkTrunkCredentials, listCredentialChecks, runCredentialChecks } from "@/lib/trunks/credential-check";
import { startKamailio } from "../support/kamailio";
import { contextFor, createActor, createDemoTrunk, createPortalDatabase, startTestWorker } from "../support/portal";
import { type RegistrarEnvironment, startRegistrarEnvironment } from "../support/registrar-env";
import { freeUdpPort, LOOPBACK, sippRegister } from "../support/sipp";
import { subscriber } from "../support/subscribers";

const REALM = "sip1.check.test";
const SERVER = "Sip1.Check.test";

let env: RegistrarEnvironment;

beforeAll(async () => {
  env = await startRegistrarEnvironment({ realm: REALM });
  await env.registrar.put(subscriber("check_trunk", "pw-check", REALM));
});

afterAll(async () => {
  await env?.stop();
});

const probe = (password: string, username = "check_trunk") =>
  probeRegistration({
    address: LOOPBACK,
    port: env.kamailio.sipPort,
    serverName: SERVER,
    username,
    password,
    timeoutMs: 3000,
  });

describe("credential check (REGISTER probe)", () => {
  it("verifies the right password and leaves the customer's own registration in place", async () => {
    const pbx = await sippRegister({
      proxyPort: env.kamailio.sipPort,
      username: "check_trunk",
      password: "pw-check",
      domain: SERVER,
      expires: 600,
    });
    expect(pbx.status).toBe(200);

    const result = await probe("pw-check");
    expect(result).toMatchObject({ outcome: "verified", status: 200, detail: null });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);

    // Only the PBX's contact is left: the probe removed its own contact and nothing else.
    const registrations = (await env.registrar.registrations(["check_trunk"])).get("check_trunk") ?? [];
    expect(registrations.map((r) => r.source)).toEqual([`${LOOPBACK}:${pbx.localPort}`]);
    const live = await env.kamailio.rpc<{ Contacts: unknown[] }>("ul.lookup", ["location", `check_trunk@${REALM}`]);
    expect(JSON.stringify(live)).toContain(`:${pbx.localPort}`);
    expect(JSON.stringify(live)).not.toContain("tp-check-");
  });

  it("reports a wrong password or an unknown username as rejected (403)", async () => {
    expect(await probe("not-the-password")).toMatchObject({ outcome: "rejected", status: 403 });
    expect(await probe("pw-check", "nobody_here")).toMatchObject({ outcome: "rejected", status: 403 });
  });

  it("applies a new password at once: the old one is rejected, the new one verified", async () => {
    await env.registrar.put(subscriber("check_trunk", "pw-new", REALM));
    expect(await probe("pw-check")).toMatchObject({ outcome: "rejected" });
    expect(await probe("pw-new")).toMatchObject({ outcome: "verified" });
    await env.registrar.put(subscriber("check_trunk", "pw-check", REALM));
  });

  it("refused checks from PORTAL_IP never get the portal banned; from any other address they count", async () => {
    for (const [defines, bannedAfter] of [
      [{ BAN_FAILS: 2, PORTAL_IP: LOOPBACK }, false],
      [{ BAN_FAILS: 2 }, true],
    ] as const) {
      const strict = await startKamailio({ databaseUrl: env.databaseUrl, realm: REALM, defines });
      try {
        const check = (password: string) =>
          probeRegistration({
            address: LOOPBACK,
            port: strict.sipPort,
            serverName: SERVER,
            username: "check_trunk",
            password,
            timeoutMs: 1500,
          });
        for (let i = 0; i < 3; i++) expect((await check("wrong")).outcome).not.toBe("verified");
        expect((await check("pw-check")).outcome).toBe(bannedAfter ? "no-answer" : "verified");
      } finally {
        await strict.stop();
      }
    }
  });

  it("reports a server that does not answer, within its timeout", async () => {
    const silent = await freeUdpPort();
    const started = Date.now();
    const result = await probeRegistration({
      address: LOOPBACK,
      port: silent,
      serverName: SERVER,
      username: "check_trunk",
      password: "pw-check",
      timeoutMs: 1500,
    });
    expect(result).toMatchObject({ outcome: "no-answer", status: null });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe("credentials proven after every sync, through the portal", () => {
  let db: Db;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let portalEnv: RegistrarEnvironment;
  let registrarDb: pg.Client;
  let sales: Actor;
  let support: Actor;
  let serverId: string;

  beforeAll(async () => {
    let url: string;
    ({ db, url } = await createPortalDatabase("credential_check"));
    sales = await createActor(db, "SALES");
    support = await createActor(db, "SUPPORT");
    worker = await startTestWorker({ db, url });
    portalEnv = await startRegistrarEnvironment({ realm: REALM, databaseUrl: worker.registrarUrl });
    // The server's name does not resolve here: the check goes to the probe address instead.
    serverId = (
      await db.sipServer.create({
        data: {
          hostname: SERVER,
          realm: REALM,
          label: "Primary",
          probeAddress: `${LOOPBACK}:${portalEnv.kamailio.sipPort}`,
        },
      })
    ).id;
    registrarDb = new pg.Client({ connectionString: worker.registrarUrl });
    await registrarDb.connect();
  });

  afterAll(async () => {
    await registrarDb?.end();
    await portalEnv?.stop();
    await worker?.stop();
    await db?.$disconnect();
  });

  const checksOf = (trunkId: string) => listCredentialChecks(db, trunkId);
  const latestOutcome = async (trunkId: string) => (await checksOf(trunkId))[0]?.outcome ?? null;

  it("verifies a new demo trunk on its server by exact name, and again after a password reset", async () => {
    const demo = await createDemoTrunk(db, sales, "Proven Demo Inc");
    const trunkId = demo.id;
    await expect.poll(() => latestOutcome(trunkId), { timeout: 15_000 }).toBe("VERIFIED");
    const [first] = await checksOf(trunkId);
    expect(first).toMatchObject({ serverId, status: 200, server: { hostname: SERVER } });
    const trunkNow = () => db.trunk.findUniqueOrThrow({ where: { id: trunkId } });
    expect(attentionReasons(await trunkNow(), await checksOf(trunkId), "customer")).toEqual([]);

    // The customer's PBX registers; a reset (new password, new sync) is proven again without touching that binding.
    const revealed = await executeCommand(revealTrunkPassword, contextFor(db, support), { trunkId });
    if (!revealed.ok) throw new Error(revealed.formError);
    const pbx = await sippRegister({
      proxyPort: portalEnv.kamailio.sipPort,
      username: demo.username,
      password: revealed.value.password,
      domain: SERVER,
      expires: 600,
    });
    expect(pbx.status).toBe(200);
    const reset = await executeCommand(resetTrunkPassword, contextFor(db, support), { trunkId });
    expect(reset.ok).toBe(true);
    await expect
      .poll(async () => (await checksOf(trunkId))[0]?.checkedAt.getTime() ?? 0, { timeout: 15_000 })
      .toBeGreaterThan(first?.checkedAt.getTime() ?? 0);
    expect(await latestOutcome(trunkId)).toBe("VERIFIED");
    const registrations = (await worker.registrar.registrations([demo.username])).get(demo.username) ?? [];
    expect(registrations.map((r) => r.source)).toEqual([`${LOOPBACK}:${pbx.localPort}`]);
  });

  it("a registrar that refuses the credentials raises the trunk to needs attention", async () => {
    const demo = await createDemoTrunk(db, sales, "Drifted Demo Inc");
    const trunkId = demo.id;
    await expect.poll(() => latestOutcome(trunkId), { timeout: 15_000 }).toBe("VERIFIED");

    // Drift by hand: the registrar now holds a hash of some other password. Support asks for a fresh check.
    await registrarDb.query("UPDATE subscriber SET ha1 = md5('other'), ha1b = md5('other') WHERE username = $1", [
      demo.username,
    ]);
    const check = await executeCommand(checkTrunkCredentials, contextFor(db, support), { trunkId });
    expect(check.ok).toBe(true);
    await expect.poll(() => latestOutcome(trunkId), { timeout: 15_000 }).toBe("REJECTED");
    const checks = await checksOf(trunkId);
    expect(checks[0]).toMatchObject({ status: 403 });
    const trunk = await db.trunk.findUniqueOrThrow({ where: { id: trunkId } });
    expect(attentionReasons(trunk, checks, "customer")).toEqual([
      `The credentials could not be verified on ${SERVER}.`,
    ]);
    expect(await db.auditLog.count({ where: { action: "trunk.check-credentials", targetId: trunkId } })).toBe(1);
  });

  it("checks many trunks in one job and records each trunk's own outcome", async () => {
    const [first, second] = [
      await createDemoTrunk(db, sales, "Batch One Inc"),
      await createDemoTrunk(db, sales, "Batch Two Inc"),
    ];
    if (!first || !second) throw new Error("no trunks");
    await expect.poll(() => latestOutcome(first.id), { timeout: 15_000 }).toBe("VERIFIED");
    await expect.poll(() => latestOutcome(second.id), { timeout: 15_000 }).toBe("VERIFIED");
    const before = (await checksOf(second.id))[0]?.checkedAt.getTime() ?? 0;

    // The registrar no longer holds the first trunk's password; the second is fine. One batch checks both (and an
    // id that is gone, which is skipped).
    await registrarDb.query("UPDATE subscriber SET ha1 = md5('other'), ha1b = md5('other') WHERE username = $1", [
      first.username,
    ]);
    await runCredentialChecks(db, [first.id, "no-such-trunk", second.id], { timeoutMs: 3000 });

    expect(await checksOf(first.id)).toMatchObject([{ outcome: "REJECTED", status: 403, serverId }]);
    const [secondCheck] = await checksOf(second.id);
    expect(secondCheck).toMatchObject({ outcome: "VERIFIED", status: 200, serverId });
    expect(secondCheck?.checkedAt.getTime()).toBeGreaterThan(before);
  });

  it("does not check a server whose switch is off", async () => {
    await db.sipServer.update({ where: { id: serverId }, data: { credentialCheck: false } });
    try {
      const demo = await createDemoTrunk(db, sales, "Unchecked Demo Inc");
      await expect
        .poll(async () => (await db.trunk.findUniqueOrThrow({ where: { id: demo.id } })).syncState, {
          timeout: 15_000,
        })
        .toBe("SYNCED");
      const check = await executeCommand(checkTrunkCredentials, contextFor(db, support), {
        trunkId: demo.id,
      });
      expect(check.ok).toBe(true);
      // The check job ran (its queue is empty again) and recorded nothing.
      await expect
        .poll(
          async () =>
            (
              await db.$queryRaw<{ n: number }[]>`
              SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = 'trunks.credential-check'`
            )[0]?.n,
          { timeout: 15_000 },
        )
        .toBe(0);
      expect(await checksOf(demo.id)).toEqual([]);
    } finally {
      await db.sipServer.update({ where: { id: serverId }, data: { credentialCheck: true } });
    }
  });
});
