import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { z } from "zod";
import { recordAudit } from "../audit/log";
import { defineCommand } from "../commands";
import { type Db, type Tx, transaction } from "../db";
import type { CredentialCheckOutcome } from "../generated/prisma/enums";
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

/** Queues a check of the trunk's credentials; pending requests coalesce. */
export async function requestCredentialCheck(tx: Tx, trunkId: string) {
  // One attempt: the outcome is recorded either way, and staff can check again from the trunk page. Checks run one
  // at a time in their own queue, so a batch of them never holds up registrar syncs.
  await enqueueJob(
    tx,
    CREDENTIAL_CHECK_TASK,
    { trunkId },
    { jobKey: `credential-check:${trunkId}`, maxAttempts: 1, queueName: CREDENTIAL_CHECK_QUEUE },
  );
}

/** `requestCredentialCheck` for many trunks in one statement (a batch of syncs). */
export async function requestCredentialChecks(tx: Tx, trunkIds: string[]) {
  if (trunkIds.length === 0) return;
  await tx.$queryRaw`
    SELECT count(*) FROM graphile_worker.add_jobs(ARRAY(
      SELECT (${CREDENTIAL_CHECK_TASK}, json_build_object('trunkId', id), ${CREDENTIAL_CHECK_QUEUE}, NULL, 1,
              'credential-check:' || id, NULL, NULL)::graphile_worker.job_spec
      FROM unnest(${trunkIds}::text[]) AS id))`;
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

/** How long a server that did not answer a check is not asked again: a batch must not wait 4 s per trunk. */
const SILENT_SERVER_MS = 60_000;
const silentSince = new Map<string, Date>();

/** Registers on one server; a name that does not resolve is an error, not an exception. */
async function checkOn(
  server: { hostname: string; probeAddress: string | null },
  credentials: { username: string; password: string },
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
  let address = target.host;
  if (!isIP(address)) {
    try {
      address = (await lookup(target.host)).address;
    } catch {
      return {
        outcome: "error",
        status: null,
        reason: null,
        latencyMs: null,
        detail: `${target.host} does not resolve from the portal (set a probe address for this server)`,
      };
    }
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

/**
 * Checks the trunk's credentials on every assigned server that allows it and records each outcome. Skipped when the
 * trunk cannot authenticate (disabled, deleted, customer not active, demo ended) or a newer change is still being
 * synced: that change's sync queues another check. An outcome is recorded only if the trunk did not change while
 * it was checked (syncVersion), so a check of a password that was just reset never stands for the new one.
 */
export async function runCredentialCheck(db: Db, trunkId: string, options: { timeoutMs?: number } = {}) {
  const trunk = await db.trunk.findUnique({
    where: { id: trunkId },
    include: { customer: true, servers: { include: { server: true } } },
  });
  if (!trunk || !mayAuthenticate(trunk) || trunk.syncState !== "SYNCED") return;
  const credentials = { username: trunk.username, password: decryptTrunkPassword(trunk) };
  const results: { serverId: string; result: ProbeResult; checkedAt: Date }[] = [];
  for (const { server } of trunk.servers) {
    if (!server.credentialCheck) continue;
    results.push({
      serverId: server.id,
      result: await checkOn(server, credentials, options.timeoutMs),
      checkedAt: new Date(),
    });
  }
  await transaction(db, async (tx) => {
    const now = await tx.trunk.findFirst({
      where: { id: trunkId, syncVersion: trunk.syncVersion },
      select: { id: true },
    });
    if (!now) return;
    // Results for servers the trunk no longer uses, or that no longer allow checks, are stale.
    await tx.credentialCheck.deleteMany({
      where: { trunkId, serverId: { notIn: results.map((row) => row.serverId) } },
    });
    for (const { serverId, result, checkedAt } of results) {
      const data = {
        outcome: OUTCOMES[result.outcome],
        status: result.status,
        reason: result.reason?.slice(0, 200) ?? null,
        latencyMs: result.latencyMs,
        detail: result.detail?.slice(0, 500) ?? null,
        checkedAt,
      };
      await tx.credentialCheck.upsert({
        where: { trunkId_serverId: { trunkId, serverId } },
        create: { trunkId, serverId, ...data },
        update: data,
      });
    }
  });
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
