import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { z } from "zod";
import { recordAudit } from "../audit/log";
import { defineCommand } from "../commands";
import { type Db, type SqlTx, sqlRows, type Tx, transaction } from "../db";
import { Prisma } from "../generated/prisma/client";
import type { CredentialCheckOutcome, TrunkStatus } from "../generated/prisma/enums";
import { enqueueJob } from "../jobs/queue";
import { mayAuthenticate } from "../registrar/sync";
import { type ProbeOutcome, type ProbeResult, probeRegistration } from "../sip/register-probe";
import { id } from "../validation";
import { lockTrunk } from ".";
import { decryptTrunkPassword } from "./password";

/**
 * Proven credentials: after a sync, the worker registers with the trunk's own credentials on each of its SIP
 * servers, by the exact hostname, and records what happened (lib/sip/register-probe.ts does the SIP).
 */

export const CREDENTIAL_CHECK_TASK = "trunks.credential-check";
const CREDENTIAL_CHECK_QUEUE = "credential-checks";

/**
 * Checks run one at a time in their own queue, so a batch of them never holds up registrar syncs. A job that dies
 * with its worker (or on a database error) runs again: its trunks' outcomes are recorded only when all were checked.
 */
const CHECK_JOB = { queueName: CREDENTIAL_CHECK_QUEUE, maxAttempts: 3 };

/** Queues a check of the trunk's credentials; pending requests for the same trunk coalesce. */
export async function requestCredentialCheck(tx: Tx, trunkId: string) {
  await enqueueJob(
    tx,
    CREDENTIAL_CHECK_TASK,
    { trunkIds: [trunkId] },
    { jobKey: `credential-check:${trunkId}`, ...CHECK_JOB },
  );
}

/**
 * Queues one check job for many trunks (a batch of syncs): one job instead of one per trunk, each trunk still checked
 * and recorded on its own.
 */
export async function requestCredentialChecks(tx: Tx | SqlTx, trunkIds: string[]) {
  if (trunkIds.length === 0) return;
  await enqueueJob(tx, CREDENTIAL_CHECK_TASK, { trunkIds }, CHECK_JOB);
}

export const SIP_PORT = 5060;

/** "host", "host:port" or "[v6]:port" (a server's probe address) → host and port; the hostname on 5060 without one. */
export function probeTarget(server: { hostname: string; probeAddress: string | null }): { host: string; port: number } {
  const match = server.probeAddress ? /^(\[[0-9A-Fa-f:.]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(server.probeAddress) : null;
  if (!match) return { host: server.hostname, port: SIP_PORT };
  return { host: (match[1] as string).replace(/^\[|\]$/g, ""), port: match[2] ? Number(match[2]) : SIP_PORT };
}

const OUTCOMES: Record<ProbeOutcome, CredentialCheckOutcome> = {
  verified: "VERIFIED",
  rejected: "REJECTED",
  "no-answer": "NO_ANSWER",
  error: "ERROR",
};

/**
 * How long a server that did not answer a check is not asked again (a batch must not wait 4 s per trunk), and a name
 * that did not resolve is not looked up again (each lookup waits for the resolver).
 */
const SILENT_SERVER_MS = 60_000;
const silentSince = new Map<string, Date>();
const unresolvedSince = new Map<string, number>();

type ProbeServer = { id: string; hostname: string; probeAddress: string | null };

/** Registers on one server; a name that does not resolve is an error, not an exception. */
async function checkOn(
  server: ProbeServer,
  credentials: { username: string; password: string },
  resolve: (host: string) => Promise<string | null>,
  timeoutMs = 4000,
): Promise<ProbeResult> {
  const target = probeTarget(server);
  const key = `${target.host}:${target.port}`;
  const silent = silentSince.get(key);
  if (silent && Date.now() - silent.getTime() < SILENT_SERVER_MS) {
    return {
      outcome: "no-answer",
      status: null,
      reason: null,
      latencyMs: null,
      detail: `${key} did not answer a check at ${silent.toISOString()}; it is asked again a minute later`,
    };
  }
  const address = isIP(target.host) ? target.host : await resolve(target.host);
  if (address === null) {
    return {
      outcome: "error",
      status: null,
      reason: null,
      latencyMs: null,
      detail: `${target.host} does not resolve from the portal (set a probe address for this server)`,
    };
  }
  const result = await probeRegistration({
    address,
    port: target.port,
    serverName: server.hostname,
    ...credentials,
    timeoutMs,
  });
  if (result.outcome === "no-answer") silentSince.set(key, new Date());
  else silentSince.delete(key);
  return result;
}

type TrunkToCheck = {
  id: string;
  username: string;
  passwordCiphertext: string;
  passwordKeyId: string;
  syncVersion: number;
  syncState: string;
  status: TrunkStatus;
  customer: { status: string; isDemo: boolean; demoExpiresAt: Date | null };
  /** The assigned servers that allow checks. */
  servers: ProbeServer[];
};

/** The trunks to check, with what a check needs, in one statement (a batch of checks is a hot path). */
async function trunksToCheck(db: Db, trunkIds: string[]): Promise<TrunkToCheck[]> {
  type Row = Omit<TrunkToCheck, "customer"> & { customerStatus: string; isDemo: boolean; demoExpiresAt: Date | null };
  const rows = await sqlRows<Row>(
    db,
    Prisma.sql`
      SELECT t.id, t.username, t."passwordCiphertext", t."passwordKeyId", t."syncVersion", t."syncState"::text AS "syncState",
             t.status::text AS status, c.status::text AS "customerStatus", c."isDemo", c."demoExpiresAt",
             COALESCE((SELECT json_agg(json_build_object('id', s.id, 'hostname', s.hostname, 'probeAddress', s."probeAddress")
                                ORDER BY s.hostname, s.id)
                       FROM "TrunkServer" ts JOIN "SipServer" s ON s.id = ts."serverId"
                       WHERE ts."trunkId" = t.id AND s."credentialCheck"), '[]'::json) AS servers
      FROM "Trunk" t JOIN "Customer" c ON c.id = t."customerId"
      WHERE t.id = ANY(${trunkIds}::text[])
      ORDER BY t.id`,
    "credential-check-trunks",
  );
  return rows.map(({ customerStatus, isDemo, demoExpiresAt, ...trunk }) => ({
    ...trunk,
    customer: { status: customerStatus, isDemo, demoExpiresAt },
  }));
}

/**
 * Checks each trunk's credentials on every assigned server that allows it and records each outcome, per trunk. A
 * trunk is skipped when it cannot authenticate (disabled, deleted, customer not active, demo ended) or a newer change
 * is still being synced: that change's sync queues another check. An outcome is recorded only if the trunk did not
 * change while it was checked (syncVersion), so a check of a password that was just reset never stands for the new
 * one. One statement reads the trunks and one records every outcome: if the worker dies between them, the job runs
 * again and nothing is lost.
 */
export async function runCredentialChecks(db: Db, trunkIds: string[], options: { timeoutMs?: number } = {}) {
  const now = new Date();
  const trunks = (await trunksToCheck(db, [...new Set(trunkIds)])).filter(
    (trunk) => mayAuthenticate(trunk, now) && trunk.syncState === "SYNCED",
  );
  if (trunks.length === 0) return;
  // Each name is looked up once per batch; one that did not resolve, once a minute.
  const addresses = new Map<string, Promise<string | null>>();
  const resolve = (host: string) => {
    const failed = unresolvedSince.get(host);
    if (failed !== undefined && Date.now() - failed < SILENT_SERVER_MS) return Promise.resolve(null);
    let address = addresses.get(host);
    if (!address) {
      address = lookup(host).then(
        (found) => {
          unresolvedSince.delete(host);
          return found.address;
        },
        () => {
          unresolvedSince.set(host, Date.now());
          return null;
        },
      );
      addresses.set(host, address);
    }
    return address;
  };
  const results: {
    trunkId: string;
    serverId: string;
    outcome: CredentialCheckOutcome;
    status: number | null;
    reason: string | null;
    latencyMs: number | null;
    detail: string | null;
    checkedAt: Date;
  }[] = [];
  for (const trunk of trunks) {
    const credentials = { username: trunk.username, password: decryptTrunkPassword(trunk) };
    for (const server of trunk.servers) {
      const result = await checkOn(server, credentials, resolve, options.timeoutMs);
      results.push({
        trunkId: trunk.id,
        serverId: server.id,
        outcome: OUTCOMES[result.outcome],
        status: result.status,
        reason: result.reason?.slice(0, 200) ?? null,
        latencyMs: result.latencyMs,
        detail: result.detail?.slice(0, 500) ?? null,
        checkedAt: new Date(),
      });
    }
  }
  // Results for servers a trunk no longer uses, or that no longer allow checks, are stale: removed. Trunks that
  // changed since they were read (another version) keep what they had; their new sync queues another check.
  await sqlRows(
    db,
    Prisma.sql`
      WITH
      checked AS (
        SELECT t.id FROM "Trunk" t
        JOIN unnest(${trunks.map((trunk) => trunk.id)}::text[], ${trunks.map((trunk) => trunk.syncVersion)}::int[])
          AS v(id, version) ON t.id = v.id AND t."syncVersion" = v.version
        FOR SHARE OF t),
      result AS (
        SELECT r.* FROM json_to_recordset(${JSON.stringify(results)}::json) AS r(
          "trunkId" text, "serverId" text, outcome text, status int, reason text, "latencyMs" int, detail text,
          "checkedAt" timestamptz)
        JOIN checked ON checked.id = r."trunkId"),
      stale AS (
        DELETE FROM "CredentialCheck" cc USING checked
        WHERE cc."trunkId" = checked.id
          AND NOT EXISTS (SELECT 1 FROM result WHERE result."trunkId" = cc."trunkId" AND result."serverId" = cc."serverId"))
      INSERT INTO "CredentialCheck" ("trunkId", "serverId", outcome, status, reason, "latencyMs", detail, "checkedAt")
      SELECT "trunkId", "serverId", outcome::"CredentialCheckOutcome", status, reason, "latencyMs", detail,
             "checkedAt" AT TIME ZONE 'UTC'
      FROM result
      ON CONFLICT ("trunkId", "serverId") DO UPDATE SET outcome = EXCLUDED.outcome, status = EXCLUDED.status,
        reason = EXCLUDED.reason, "latencyMs" = EXCLUDED."latencyMs", detail = EXCLUDED.detail,
        "checkedAt" = EXCLUDED."checkedAt"`,
    "credential-check-record",
  );
}

/** The latest check of each of the trunk's servers, with the server's exact hostname. */
export function listCredentialChecks(db: Db, trunkId: string) {
  return db.credentialCheck.findMany({
    where: { trunkId },
    include: { server: { select: { hostname: true } } },
    orderBy: { server: { hostname: "asc" } },
  });
}

export type CredentialCheckRow = Awaited<ReturnType<typeof listCredentialChecks>>[number];

/** Staff ask for a fresh check (e.g. after fixing a server); the worker records the outcome as after a sync. */
export const checkTrunkCredentials = defineCommand({
  name: "trunk.check-credentials",
  permission: "registrar:sync",
  input: z.object({ trunkId: id }),
  async run(ctx, { trunkId }) {
    return transaction(ctx.db, async (tx) => {
      const trunk = await lockTrunk(tx, trunkId);
      await requestCredentialCheck(tx, trunkId);
      await recordAudit(tx, ctx, {
        action: "trunk.check-credentials",
        targetType: "trunk",
        targetId: trunkId,
        customerId: trunk.customerId,
      });
      return trunk;
    });
  },
});
