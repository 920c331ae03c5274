/**
 * The acceptance tests for registrar sync, end to end through the portal's own code paths: staff commands
 * (lib/customers, lib/trunks) → the outbox (graphile-worker jobs committed with the change) → the real worker →
 * the Kamailio SQL adapter → a real Kamailio reading that same registrar database → SIPp as the customer's PBX and as
 * the carrier. Registrar tables are written by hand only in the drift (reconciliation) tests.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "@/lib/auth/policy";
import { executeCommand } from "@/lib/commands";
import { digestHashes } from "@/lib/credentials/digest";
import { createCustomer, createDemoAccount, updateCustomer } from "@/lib/customers";
import { extendDemo } from "@/lib/customers/demo";
import type { Db } from "@/lib/db";
import { DEMO_EXPIRY_TASK } from "@/lib/jobs/tasks";
import { reconcile } from "@/lib/registrar/reconcile";
import { watchRegistrations } from "@/lib/registrar/registration-watch";
import { registrationStatus } from "@/lib/registrar/status";
import { createServer } from "@/lib/servers";
import { getProviderSettings } from "@/lib/settings";
import {
  createTrunks,
  deleteTrunk,
  resetTrunkPassword,
  revealTrunkPassword,
  setTrunkStatus,
  updateTrunk,
} from "@/lib/trunks";
import { SYNC_BATCH_SIZE } from "@/lib/trunks/provision";
import { createWebhookEndpoint } from "@/lib/webhooks/endpoints";
import { callThroughCarrier as callThroughCarrierVia } from "../support/carrier-calls";
import { type KamailioInstance, startKamailio } from "../support/kamailio";
import { contextFor, createActor, createPortalDatabase, plantStaleDigests, startTestWorker } from "../support/portal";
import { type CallsOptions, removeSippArtifacts, sippCalls, sippRegister } from "../support/sipp";
import { TestWebhookReceiver, typeOf, verifyStandardWebhook } from "../support/webhook-receiver";

// The webhook receiver below runs on this machine over plain http, as an operator would allow a test host.
process.env.WEBHOOK_HTTP_HOSTS = "127.0.0.1";
process.env.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = "true";

/** The SIP server as the provider spells it (case-sensitive, shown to customers) and its digest realm. */
const HOSTNAME = "Sip1.PortalSync.test";
/** Kamailio's REALM must equal SipServer.realm: the portal computes every HA1 with it. */
const REALM = "sip1.portalsync.test";

let db: Db;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let kamailio: KamailioInstance;
let registrarDb: pg.Client;
let sales: Actor;
let support: Actor;
let admin: Actor;
let serverId: string;

beforeAll(async () => {
  let url: string;
  ({ db, url } = await createPortalDatabase("portal_sync"));
  serverId = (await db.sipServer.create({ data: { hostname: HOSTNAME, realm: REALM, label: "Primary" } })).id;
  sales = await createActor(db, "SALES");
  support = await createActor(db, "SUPPORT");
  admin = await createActor(db, "ADMIN");
  worker = await startTestWorker({ db, url });
  // Every PBX here is 127.0.0.1 and many attempts fail on purpose: keep the ban and flood limits out of the way.
  kamailio = await startKamailio({
    databaseUrl: worker.registrarUrl,
    realm: REALM,
    defines: { BAN_FAILS: 10_000, PIKE_DENSITY: 100_000 },
  });
  registrarDb = new pg.Client({ connectionString: worker.registrarUrl });
  await registrarDb.connect();
});

afterAll(async () => {
  await registrarDb?.end();
  await kamailio?.stop();
  await worker?.stop();
  await db?.$disconnect();
  removeSippArtifacts();
});

let demoCount = 0;

/** Sales' one-step demo account; returns its trunk once the worker has provisioned it. */
async function syncedDemo(company: string) {
  demoCount++;
  const created = await executeCommand(createDemoAccount, contextFor(db, sales), {
    company,
    contactName: "Pat Demo",
    contactEmail: `demo${demoCount}@portal-sync.example`,
  });
  if (!created.ok) throw new Error(created.formError);
  await waitUntilSynced(created.value.trunk.id);
  return created.value.trunk;
}

/**
 * Waits for the worker to record the sync of the latest change. Every command sets PENDING in its own transaction,
 * so after it returns, SYNCED can only mean "the registrar has this change".
 */
async function waitUntilSynced(trunkId: string) {
  await expect
    .poll(async () => (await db.trunk.findUniqueOrThrow({ where: { id: trunkId } })).syncState, { timeout: 15_000 })
    .toBe("SYNCED");
}

/** The SIP password as staff see it (an audited reveal). */
async function passwordOf(trunkId: string) {
  const revealed = await executeCommand(revealTrunkPassword, contextFor(db, admin), { trunkId });
  if (!revealed.ok) throw new Error(revealed.formError);
  return revealed.value.password;
}

/** A PBX registering with the server name exactly as the portal shows it, unless told otherwise. */
async function register(username: string, password: string, domain = HOSTNAME) {
  return (await sippRegister({ proxyPort: kamailio.sipPort, username, password, domain })).status;
}

/** A call through this file's Kamailio (see tests/support/carrier-calls). */
const callThroughCarrier = (options: Omit<CallsOptions, "proxyPort" | "domain">, expectedAtCarrier: number) =>
  callThroughCarrierVia(kamailio, HOSTNAME, options, expectedAtCarrier);

/** The trunk settings form as the demo preset fills it in. */
function demoForm() {
  return {
    serverIds: [serverId],
    callLimit: "5",
    dialPermission: "US_ONLY",
    allowedCountries: "",
    callerIdPolicy: "FORCED",
    forcedCallerId: "",
    forcedCallerIdName: "",
    dids: "",
  };
}

/** updateTrunk takes the whole settings form; this is the demo trunk's form with some fields changed. */
function demoSettings(trunkId: string, changes: Record<string, unknown>) {
  return { trunkId, ...demoForm(), ...changes };
}

describe("registration follows the portal", () => {
  it("a new demo trunk registers right after its sync; a wrong password, then disabling, get 403", async () => {
    const trunk = await syncedDemo("Fresh Demo Inc");
    const password = await passwordOf(trunk.id);
    expect(await register(trunk.username, password)).toBe(200);
    expect(await register(trunk.username, `${password}x`)).toBe(403);

    // Support disables and re-enables trunks.
    const disabled = await executeCommand(setTrunkStatus, contextFor(db, support), {
      trunkId: trunk.id,
      status: "DISABLED",
      reason: "unpaid invoice",
    });
    expect(disabled.ok).toBe(true);
    await waitUntilSynced(trunk.id);
    expect(await register(trunk.username, password)).toBe(403);

    const enabled = await executeCommand(setTrunkStatus, contextFor(db, support), {
      trunkId: trunk.id,
      status: "ACTIVE",
    });
    expect(enabled.ok).toBe(true);
    await waitUntilSynced(trunk.id);
    expect(await register(trunk.username, password)).toBe(200);
  });

  it("after a password reset the old password gets 403 and the new one 200", async () => {
    const trunk = await syncedDemo("Reset Ltd");
    const oldPassword = await passwordOf(trunk.id);
    expect(await register(trunk.username, oldPassword)).toBe(200);

    const reset = await executeCommand(resetTrunkPassword, contextFor(db, support), { trunkId: trunk.id });
    expect(reset.ok).toBe(true);
    await waitUntilSynced(trunk.id);
    const newPassword = await passwordOf(trunk.id);
    expect(newPassword).not.toBe(oldPassword);
    expect(await register(trunk.username, oldPassword)).toBe(403);
    expect(await register(trunk.username, newPassword)).toBe(200);
  });

  it("a deleted trunk can no longer register", async () => {
    const trunk = await syncedDemo("Deleted Corp");
    const password = await passwordOf(trunk.id);
    expect(await register(trunk.username, password)).toBe(200);

    const deleted = await executeCommand(deleteTrunk, contextFor(db, admin), {
      trunkId: trunk.id,
      reason: "customer left",
    });
    expect(deleted.ok).toBe(true);
    await waitUntilSynced(trunk.id);
    expect(await register(trunk.username, password)).toBe(403);
    expect((await worker.registrar.registrations([trunk.username])).get(trunk.username)).toEqual([]);
  });

  it("trunks from one bulk order (synced by shared jobs) all register right after their sync, each with its own password", async () => {
    const customer = await executeCommand(createCustomer, contextFor(db, sales), {
      company: "Bulk Order Ltd",
      contactName: "Bea Bulk",
      contactEmail: "bea@portal-sync.example",
    });
    if (!customer.ok) throw new Error(customer.formError);
    // More than one shared job's worth, so the order spans two of them.
    const count = SYNC_BATCH_SIZE + 25;
    const created = await executeCommand(createTrunks, contextFor(db, sales), {
      ...demoForm(),
      customerId: customer.value.id,
      count: String(count),
    });
    if (!created.ok) throw new Error(created.formError);
    const ids = created.value.map((trunk) => trunk.id);
    expect(ids).toHaveLength(count);
    await expect
      .poll(async () => db.trunk.count({ where: { id: { in: ids }, syncState: "SYNCED" } }), { timeout: 30_000 })
      .toBe(count);

    // The first and last trunk of each shared job register with their own passwords, and only with them.
    const samples = [0, SYNC_BATCH_SIZE - 1, SYNC_BATCH_SIZE, count - 1].map((index) => created.value[index]);
    for (const trunk of samples) {
      if (!trunk) throw new Error("missing trunk");
      const password = await passwordOf(trunk.id);
      expect(await register(trunk.username, password)).toBe(200);
      expect(await register(trunk.username, `${password}x`)).toBe(403);
    }
  });

  it("records the server name as the PBX spelled it, so a case mismatch with the hostname shows", async () => {
    const trunk = await syncedDemo("Casing Co");
    const password = await passwordOf(trunk.id);
    const pbx = (domain: string, localPort?: number) =>
      sippRegister({ proxyPort: kamailio.sipPort, username: trunk.username, password, domain, localPort });

    // A PBX configured with the lower-cased name registers (the realm is fixed)…
    const lowered = HOSTNAME.toLowerCase();
    const first = await pbx(lowered);
    expect(first.status).toBe(200);
    // …and its registration says exactly which spelling it used; the portal's registration status turns that into
    // the warning staff and the customer see.
    expect(await registrationStatus(worker.registrar, trunk.username, [HOSTNAME])).toMatchObject({
      state: "ok",
      registrations: [{ requestedHost: lowered, caseMismatch: { used: lowered, expected: HOSTNAME } }],
    });

    // Once the PBX is fixed, its next REGISTER (same contact) clears the warning.
    expect((await pbx(HOSTNAME, first.localPort)).status).toBe(200);
    expect(await registrationStatus(worker.registrar, trunk.username, [HOSTNAME])).toMatchObject({
      state: "ok",
      registrations: [{ requestedHost: HOSTNAME, caseMismatch: null }],
    });
  });

  it("refuses calls to another casing of any server the portal knows, naming the exact name", async () => {
    // An admin adds a server: its job writes every server name to the registrar, this one and HOSTNAME alike.
    // (Inactive, so the demo trunks of the other tests stay on HOSTNAME alone.)
    const added = await executeCommand(createServer, contextFor(db, admin), {
      hostname: "Sip2.PortalSync.test",
      label: "Secondary",
    });
    expect(added.ok).toBe(true);
    await expect
      .poll(async () => (await registrarDb.query("SELECT hostname FROM server_name ORDER BY 1")).rows, {
        timeout: 15_000,
      })
      .toEqual([{ hostname: HOSTNAME }, { hostname: "Sip2.PortalSync.test" }]);

    const trunk = await syncedDemo("Casing Calls Co");
    const password = await passwordOf(trunk.id);
    const refused = await sippCalls({
      proxyPort: kamailio.sipPort,
      domain: HOSTNAME.toLowerCase(),
      username: trunk.username,
      password,
      to: "9193334444",
      from: "100",
    });
    expect(refused.statuses).toEqual([404]);
    expect(refused.replies[0]?.statusLine).toBe(`SIP/2.0 404 Wrong server name casing, use ${HOSTNAME}`);

    // The same server name differing only by case cannot be added: it would make the other one's calls fail.
    const twin = await executeCommand(createServer, contextFor(db, admin), {
      hostname: "sip2.portalsync.TEST",
      label: "Twin",
      active: "on",
    });
    expect(twin).toMatchObject({ ok: false, reason: "conflict" });
  });
});

describe("registrations reach webhooks", () => {
  it("a PBX registering, then unregistering, is announced once each as trunk.registered and trunk.unregistered", async () => {
    const hooks = await new TestWebhookReceiver().start();
    try {
      const endpoint = await executeCommand(createWebhookEndpoint, contextFor(db, admin), {
        url: `${hooks.url}/registrations`,
        events: ["trunk.registered", "trunk.unregistered"],
      });
      if (!endpoint.ok) throw new Error(endpoint.formError);
      const trunk = await syncedDemo("Registering Demo Inc");
      const password = await passwordOf(trunk.id);
      const mine = () =>
        hooks.received.filter((webhook) => (JSON.parse(webhook.body).data.trunk?.id as string) === trunk.id);

      const pbx = { proxyPort: kamailio.sipPort, username: trunk.username, password, domain: HOSTNAME };
      const registered = await sippRegister(pbx);
      expect(registered.status).toBe(200);
      // The worker runs the watch every minute; run it now rather than wait.
      await watchRegistrations(db, worker.registrar);
      await watchRegistrations(db, worker.registrar);
      await hooks.waitFor(() => mine().length === 1);
      expect((await db.trunk.findUniqueOrThrow({ where: { id: trunk.id } })).registeredSince).not.toBeNull();

      // The same contact (address and port), with Expires: 0.
      const unregistered = await sippRegister({ ...pbx, localPort: registered.localPort, expires: 0 });
      expect(unregistered.status).toBe(200);
      await watchRegistrations(db, worker.registrar);
      await watchRegistrations(db, worker.registrar);
      await hooks.waitFor(() => mine().length === 2);
      expect(mine().map(typeOf)).toEqual(["trunk.registered", "trunk.unregistered"]);
      for (const webhook of mine()) expect(verifyStandardWebhook(endpoint.value.secret, webhook)).toBe(true);
      expect((await db.trunk.findUniqueOrThrow({ where: { id: trunk.id } })).registeredSince).toBeNull();
    } finally {
      await db.webhookEndpoint.updateMany({ data: { active: false } });
      await hooks.stop();
    }
  });
});

describe("calls follow the portal's settings", () => {
  it("demo trunk: five concurrent calls connect and the sixth gets 486", async () => {
    const trunk = await syncedDemo("Busy Demo LLC");
    const password = await passwordOf(trunk.id);
    // One new call every 200 ms, each held 2.5 s: all six overlap.
    const { statuses, invites } = await callThroughCarrier(
      { username: trunk.username, password, to: "9195551234", from: "100", calls: 6, rate: 5, holdMs: 2500 },
      5,
    );
    expect(statuses).toEqual([200, 200, 200, 200, 200, 486]);
    expect(invites).toHaveLength(5);
  });

  it("demo trunk is US-only: a UK number gets 403, a US number reaches the carrier with the forced caller ID", async () => {
    const trunk = await syncedDemo("Dial Plan Demo");
    const password = await passwordOf(trunk.id);
    const { forcedCallerId } = await getProviderSettings(db);
    expect(forcedCallerId).toBe("+12025550100");

    const uk = await callThroughCarrier({ username: trunk.username, password, to: "+442071234567", from: "100" }, 0);
    expect(uk.statuses).toEqual([403]);

    const us = await callThroughCarrier(
      { username: trunk.username, password, to: "9193334444", from: "9193333333", fromDisplay: "Front Desk" },
      1,
    );
    expect(us.statuses).toEqual([200]);
    const [invite] = us.invites;
    expect(invite?.requestUri).toBe("sip:+19193334444@127.0.0.1");
    // The provider has no caller ID name: the PBX's display name is dropped along with its number.
    expect(invite?.from).toMatch(new RegExp(`^\\s*<sip:\\${forcedCallerId}@${REALM.replaceAll(".", "\\.")}>;tag=`));
    expect(invite?.pAssertedIdentity?.trim()).toBe(`<sip:${forcedCallerId}@${REALM}>`);
  });

  it("countries are exact within +1: Toronto is refused to the US-only demo and a trunk open to the US only", async () => {
    const trunk = await syncedDemo("Border Demo");
    const password = await passwordOf(trunk.id);
    const callToronto = async (expected: 200 | 403) =>
      (
        await callThroughCarrier(
          { username: trunk.username, password, to: "+14165550123", from: "100" },
          expected === 200 ? 1 : 0,
        )
      ).statuses;
    const allow = async (countries: string) => {
      const updated = await executeCommand(
        updateTrunk,
        contextFor(db, sales),
        demoSettings(trunk.id, { dialPermission: "COUNTRIES", allowedCountries: countries }),
      );
      expect(updated.ok).toBe(true);
      await waitUntilSynced(trunk.id);
    };

    expect(await callToronto(403)).toEqual([403]); // the demo: US only
    await allow("US");
    expect(await callToronto(403)).toEqual([403]);
    await allow("US, CA");
    expect(await callToronto(200)).toEqual([200]);
  });

  it("a lower call limit from updateTrunk applies to the next calls, without reloading Kamailio", async () => {
    const trunk = await syncedDemo("Shrinking Demo");
    const password = await passwordOf(trunk.id);
    const updated = await executeCommand(
      updateTrunk,
      contextFor(db, sales),
      demoSettings(trunk.id, { callLimit: "2" }),
    );
    expect(updated.ok).toBe(true);
    await waitUntilSynced(trunk.id);

    const { statuses } = await callThroughCarrier(
      { username: trunk.username, password, to: "9195551234", from: "100", calls: 3, rate: 5, holdMs: 1500 },
      2,
    );
    expect(statuses).toEqual([200, 200, 486]);
  });
});

describe("reconciliation repairs drift", () => {
  it("a subscriber deleted by hand cannot register until reconciliation puts it back", async () => {
    const trunk = await syncedDemo("Vanished Subscriber");
    const password = await passwordOf(trunk.id);
    await registrarDb.query("DELETE FROM subscriber WHERE username = $1", [trunk.username]);
    expect(await register(trunk.username, password)).toBe(403);

    const report = await reconcile(db, worker.registrar);
    expect(report.findings).toEqual([
      expect.objectContaining({ username: trunk.username, problem: "missing", action: "repaired" }),
    ]);
    expect(await register(trunk.username, password)).toBe(200);
  });

  it("a call limit changed by hand is restored", async () => {
    const trunk = await syncedDemo("Tampered Limit");
    const password = await passwordOf(trunk.id);
    await registrarDb.query("UPDATE usr_preferences SET value = '1' WHERE username = $1 AND attribute = 'call_limit'", [
      trunk.username,
    ]);
    /** Two overlapping calls; `connecting` of them are expected at the carrier. */
    const twoCalls = async (connecting: number) =>
      (
        await callThroughCarrier(
          { username: trunk.username, password, to: "9195551234", from: "100", calls: 2, rate: 5, holdMs: 1000 },
          connecting,
        )
      ).statuses;
    // Kamailio applies the tampered value at once: the second concurrent call is refused…
    expect(await twoCalls(1)).toEqual([200, 486]);

    const report = await reconcile(db, worker.registrar);
    expect(report.findings).toEqual([
      expect.objectContaining({ username: trunk.username, problem: "wrong-attributes", action: "repaired" }),
    ]);
    const { rows } = await registrarDb.query(
      "SELECT value FROM usr_preferences WHERE username = $1 AND attribute = 'call_limit'",
      [trunk.username],
    );
    expect(rows).toEqual([{ value: "5" }]);
    // …and after the repair both connect again.
    expect(await twoCalls(2)).toEqual([200, 200]);
  });
});

describe("changes racing each other on one trunk", () => {
  it("10 password resets and 10 settings edits at once: every one answers, and the final password registers", async () => {
    const trunk = await syncedDemo("Racing Resets");
    const changes = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? executeCommand(resetTrunkPassword, contextFor(db, support), { trunkId: trunk.id })
        : executeCommand(
            updateTrunk,
            contextFor(db, sales),
            demoSettings(trunk.id, { callLimit: String(2 + (i % 4)) }),
          ),
    );
    // allSettled: a change that threw (a 500 for the user) must show up as a failure here, not abort the test.
    const outcomes = await Promise.allSettled(changes);
    expect(
      outcomes.map((outcome) => (outcome.status === "fulfilled" ? outcome.value.ok : String(outcome.reason))),
    ).toEqual(Array(20).fill(true));
    await waitUntilSynced(trunk.id);

    const password = await passwordOf(trunk.id);
    expect(await register(trunk.username, password)).toBe(200);
    const { rows } = await registrarDb.query("SELECT ha1 FROM subscriber WHERE username = $1", [trunk.username]);
    expect(rows).toEqual([{ ha1: digestHashes(trunk.username, REALM, password).ha1 }]);
  });

  it("reconciliation puts back the HA1 of the customer's password when the portal's own copy is stale too", async () => {
    const trunk = await syncedDemo("Stale Copy");
    const password = await passwordOf(trunk.id);
    await plantStaleDigests(db, registrarDb, trunk, REALM);
    expect(await register(trunk.username, password)).toBe(403);

    const report = await reconcile(db, worker.registrar);
    expect(report.findings.map((finding) => finding.problem)).toEqual(["stale-portal-hash", "wrong-hash"]);
    expect(await register(trunk.username, password)).toBe(200);
  });
});

describe("the account's lifecycle reaches the registrar", () => {
  it("suspending the customer refuses every trunk within the sync lag; re-activating restores them", async () => {
    const trunk = await syncedDemo("Suspended Co");
    const customer = await db.customer.findUniqueOrThrow({ where: { id: trunk.customerId } });
    const password = await passwordOf(trunk.id);
    expect(await register(trunk.username, password)).toBe(200);
    const setStatus = (status: string) =>
      executeCommand(updateCustomer, contextFor(db, sales), {
        customerId: customer.id,
        company: customer.company,
        contactName: customer.contactName,
        contactEmail: customer.contactEmail,
        status,
      });

    expect((await setStatus("SUSPENDED")).ok).toBe(true);
    await waitUntilSynced(trunk.id);
    expect(await register(trunk.username, password)).toBe(403);

    expect((await setStatus("ACTIVE")).ok).toBe(true);
    await waitUntilSynced(trunk.id);
    expect(await register(trunk.username, password)).toBe(200);
  });

  it("an ended demo is refused once the expiry job runs; extending it lets the same PBX register again", async () => {
    const trunk = await syncedDemo("Expiring Demo");
    const password = await passwordOf(trunk.id);
    expect(await register(trunk.username, password)).toBe(200);

    // The demo's end passes; the worker's scheduled expiry job (queued here rather than waiting for the minute).
    await db.customer.update({ where: { id: trunk.customerId }, data: { demoExpiresAt: new Date(Date.now() - 1000) } });
    await db.$executeRaw`SELECT graphile_worker.add_job(${DEMO_EXPIRY_TASK}::text)`;
    await expect
      .poll(async () => (await db.trunk.findUniqueOrThrow({ where: { id: trunk.id } })).status, { timeout: 15_000 })
      .toBe("DISABLED");
    await waitUntilSynced(trunk.id);
    expect(await register(trunk.username, password)).toBe(403);

    const extended = await executeCommand(extendDemo, contextFor(db, support), {
      customerId: trunk.customerId,
      demoExpiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10),
    });
    expect(extended.ok).toBe(true);
    await waitUntilSynced(trunk.id);
    expect(await register(trunk.username, password)).toBe(200);
  });
});
