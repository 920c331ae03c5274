import { recordAudit } from "../audit/log";
import type { AuthorizedContext } from "../commands";
import { digestHashes } from "../credentials/digest";
import { seal } from "../credentials/encryption";
import { credentialKeyring } from "../credentials/keyring";
import { generateSipPassword } from "../credentials/password";
import { generateSipUsername } from "../credentials/username";
import type { Tx } from "../db";
import { ConflictError } from "../errors";
import { Prisma } from "../generated/prisma/client";
import { enqueueJob } from "../jobs/queue";
import { getProviderSettings } from "../settings";
import { queueCredentialsMail } from "./notify";
import type { TrunkSettings } from "./schema";

export const SYNC_TRUNK_TASK = "registrar.sync-trunk";
export const syncJobKey = (trunkId: string) => `sync-trunk:${trunkId}`;

/** Asks the worker to make the registrar match this trunk; pending requests for the same trunk coalesce. */
export async function requestTrunkSync(tx: Tx, trunkId: string) {
  await tx.trunk.update({ where: { id: trunkId }, data: { syncState: "PENDING", syncRequestedAt: new Date() } });
  await enqueueJob(tx, SYNC_TRUNK_TASK, { trunkId }, { jobKey: syncJobKey(trunkId) });
}

/** Servers the trunk will use, checked to exist and be active. */
async function activeServers(tx: Tx, serverIds: string[]) {
  const servers = await tx.sipServer.findMany({ where: { id: { in: serverIds }, active: true } });
  if (servers.length !== new Set(serverIds).size) {
    throw new ConflictError("Choose active SIP servers only.", "serverIds");
  }
  return servers;
}

async function assertDidsFree(tx: Tx, dids: string[], trunkId: string | null) {
  const taken = await tx.did.findMany({
    where: { number: { in: dids }, ...(trunkId ? { trunkId: { not: trunkId } } : {}) },
    select: { number: true },
  });
  if (taken.length) {
    throw new ConflictError(`Already routed to another trunk: ${taken.map((did) => did.number).join(", ")}.`, "dids");
  }
}

/** The password as stored: encrypted, bound to the username, with the key's id. */
function sealPassword(username: string, password: string) {
  const sealed = seal(credentialKeyring(), password, username);
  return { passwordCiphertext: sealed.ciphertext, passwordKeyId: sealed.keyId };
}

/** The digest hashes the registrar needs, one row per assigned server's realm. */
function serverRows(username: string, password: string, servers: { id: string; realm: string }[]) {
  return servers.map((server) => ({ serverId: server.id, ...digestHashes(username, server.realm, password) }));
}

async function resolveForcedCallerId(tx: Tx, settings: TrunkSettings) {
  if (settings.callerIdPolicy !== "FORCED") return { forcedCallerId: null, forcedCallerIdName: null };
  if (settings.forcedCallerId) {
    return { forcedCallerId: settings.forcedCallerId, forcedCallerIdName: settings.forcedCallerIdName };
  }
  const provider = await getProviderSettings(tx);
  return { forcedCallerId: provider.forcedCallerId, forcedCallerIdName: provider.forcedCallerIdName };
}

/** What a trunk's settings become in the database; shared by creating and editing a trunk. */
async function settingsData(
  tx: Tx,
  settings: TrunkSettings,
  username: string,
  password: string,
  servers: { id: string; realm: string }[],
) {
  return {
    callLimit: settings.callLimit,
    dialPermission: settings.dialPermission,
    allowedCountries: settings.dialPermission === "COUNTRIES" ? settings.allowedCountries : [],
    callerIdPolicy: settings.callerIdPolicy,
    ...(await resolveForcedCallerId(tx, settings)),
    servers: { create: serverRows(username, password, servers) },
    dids: { create: settings.dids.map((number) => ({ number })) },
  };
}

/**
 * Creates a trunk with fresh credentials inside the caller's transaction and queues its registrar sync.
 * The plaintext password exists only in this function's memory.
 */
export async function insertTrunk(
  tx: Tx,
  ctx: AuthorizedContext,
  customer: { id: string; company: string },
  settings: TrunkSettings,
) {
  const servers = await activeServers(tx, settings.serverIds);
  await assertDidsFree(tx, settings.dids, null);
  const username = generateSipUsername(customer.company);
  const password = generateSipPassword();
  const trunk = await tx.trunk.create({
    data: {
      customerId: customer.id,
      username,
      ...sealPassword(username, password),
      ...(await settingsData(tx, settings, username, password, servers)),
    },
  });
  await requestTrunkSync(tx, trunk.id);
  await queueCredentialsMail(tx, trunk.id, "new");
  await recordAudit(tx, ctx, {
    action: "trunk.create",
    targetType: "trunk",
    targetId: trunk.id,
    customerId: customer.id,
    details: { username, servers: servers.map((server) => server.hostname), dids: settings.dids },
  });
  return trunk;
}

/** Applies new settings (servers, limits, dial plan, caller ID, DIDs) to an existing trunk. */
export async function applyTrunkSettings(
  tx: Tx,
  trunk: { id: string; username: string },
  password: string,
  settings: TrunkSettings,
) {
  const servers = await activeServers(tx, settings.serverIds);
  await assertDidsFree(tx, settings.dids, trunk.id);
  await tx.trunkServer.deleteMany({ where: { trunkId: trunk.id } });
  await tx.did.deleteMany({ where: { trunkId: trunk.id } });
  return tx.trunk.update({
    where: { id: trunk.id },
    data: await settingsData(tx, settings, trunk.username, password, servers),
  });
}

/** Replaces the trunk's password: new ciphertext and new hashes for every assigned realm. */
export async function replaceTrunkPassword(tx: Tx, trunk: { id: string; username: string }) {
  const assigned = await tx.trunkServer.findMany({ where: { trunkId: trunk.id }, include: { server: true } });
  const password = generateSipPassword();
  for (const row of serverRows(
    trunk.username,
    password,
    assigned.map((row) => row.server),
  )) {
    await tx.trunkServer.update({
      where: { trunkId_serverId: { trunkId: trunk.id, serverId: row.serverId } },
      data: { ha1: row.ha1, ha1b: row.ha1b },
    });
  }
  return tx.trunk.update({
    where: { id: trunk.id },
    data: { ...sealPassword(trunk.username, password), passwordChangedAt: new Date() },
  });
}

const USERNAME_ATTEMPTS = 8;

/**
 * Runs a transaction that creates a trunk, again with a new random username if a concurrent transaction took the
 * same one (a unique violation aborts a PostgreSQL transaction, so the retry must be of the whole transaction).
 */
export async function withFreshUsername<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      const usernameTaken =
        error instanceof Prisma.PrismaClientKnownRequestError &&
        error.code === "P2002" &&
        JSON.stringify(error.meta ?? {}).includes("username");
      if (!usernameTaken || tries >= USERNAME_ATTEMPTS) throw error;
    }
  }
}
