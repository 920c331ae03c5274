import { recordAudit } from "../audit/log";
import type { AuthorizedContext } from "../commands";
import { digestHashes } from "../credentials/digest";
import { seal } from "../credentials/encryption";
import { credentialKeyring } from "../credentials/keyring";
import { generateSipPassword } from "../credentials/password";
import { generateSipUsername } from "../credentials/username";
import type { Db, Tx } from "../db";
import { ConflictError } from "../errors";
import { Prisma } from "../generated/prisma/client";
import { enqueueJob } from "../jobs/queue";
import { getProviderSettings } from "../settings";
import { emitWebhookEvent, trunkEventData } from "../webhooks/events";
import { queueCredentialsMailFor } from "./notify";
import type { TrunkPolicy, TrunkSettings } from "./schema";

export const SYNC_TRUNK_TASK = "registrar.sync-trunk";
export const syncJobKey = (trunkId: string) => `sync-trunk:${trunkId}`;

/**
 * Asks the worker to make the registrar match this trunk; pending requests for the same trunk coalesce. The version
 * bump lets a sync that read the trunk before this change know that it must not mark the trunk SYNCED; the new
 * version is returned, so the page can tell when the registrar has this change (lib/trunks/live-status-view.ts).
 */
export async function requestTrunkSync(tx: Tx, trunkId: string): Promise<{ syncVersion: number }> {
  const requested = await tx.trunk.update({
    where: { id: trunkId },
    data: { syncState: "PENDING", syncRequestedAt: new Date(), syncVersion: { increment: 1 } },
    select: { syncVersion: true },
  });
  await queueTrunkSync(tx, trunkId);
  return requested;
}

/**
 * Locks every trunk of the customer (in id order, after the caller locked the customer), then returns those that
 * match `where` as they are once locked. Account-wide changes (demo expiry, extension, conversion) use this.
 */
export async function lockCustomerTrunks(tx: Tx, customerId: string, where: Prisma.TrunkWhereInput = {}) {
  await tx.$queryRaw`SELECT 1 FROM "Trunk" WHERE "customerId" = ${customerId} ORDER BY "id" FOR NO KEY UPDATE`;
  return tx.trunk.findMany({ where: { ...where, customerId }, include: { dids: true }, orderBy: { id: "asc" } });
}

/** Queues a sync of every trunk of the customer that the registrar knows (after a change to the whole account). */
export async function requestCustomerTrunksSync(tx: Tx, customerId: string) {
  const trunks = await tx.trunk.findMany({
    where: { customerId, status: { not: "DELETED" } },
    select: { id: true },
    orderBy: { id: "asc" },
  });
  for (const trunk of trunks) await requestTrunkSync(tx, trunk.id);
  return trunks.length;
}

/** The sync job alone, for a trunk whose row already says PENDING (a new trunk). */
async function queueTrunkSync(tx: Tx, trunkId: string) {
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
  if (dids.length === 0) return;
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

async function resolveForcedCallerId(tx: Tx, settings: TrunkPolicy) {
  if (settings.callerIdPolicy !== "FORCED") return { forcedCallerId: null, forcedCallerIdName: null };
  if (settings.forcedCallerId) {
    return { forcedCallerId: settings.forcedCallerId, forcedCallerIdName: settings.forcedCallerIdName };
  }
  const provider = await getProviderSettings(tx);
  return { forcedCallerId: provider.forcedCallerId, forcedCallerIdName: provider.forcedCallerIdName };
}

/** What a trunk's calling policy becomes in the database; shared by trunk forms and a demo's conversion. */
export async function trunkPolicyData(tx: Tx, policy: TrunkPolicy) {
  return {
    callLimit: policy.callLimit,
    dialPermission: policy.dialPermission,
    allowedCountries: policy.dialPermission === "COUNTRIES" ? policy.allowedCountries : [],
    callerIdPolicy: policy.callerIdPolicy,
    ...(await resolveForcedCallerId(tx, policy)),
  };
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
    ...(await trunkPolicyData(tx, settings)),
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
  customer: { id: string; contactName: string; contactEmail: string },
  settings: TrunkSettings,
  username: string,
  /** A CSV import's row: the provider's id for the trunk, and whether to email its credentials (they choose). */
  imported?: { externalId: string; importId: string; sendCredentials: boolean },
) {
  const [servers, provider] = await Promise.all([activeServers(tx, settings.serverIds), getProviderSettings(tx)]);
  await assertDidsFree(tx, settings.dids, null);
  const password = generateSipPassword();
  const trunk = await tx.trunk.create({
    data: {
      customerId: customer.id,
      username,
      ...sealPassword(username, password),
      ...(await settingsData(tx, settings, username, password, servers)),
      syncState: "PENDING",
      syncRequestedAt: new Date(),
      syncVersion: 1,
      externalId: imported?.externalId,
    },
  });
  await queueTrunkSync(tx, trunk.id);
  const mailTrunk = {
    ...trunk,
    customer,
    servers: servers.map((server) => ({ server })),
    dids: settings.dids.map((number) => ({ number })),
  };
  if (imported?.sendCredentials ?? true) await queueCredentialsMailFor(tx, mailTrunk, provider, "new");
  await recordAudit(tx, ctx, {
    action: "trunk.create",
    targetType: "trunk",
    targetId: trunk.id,
    customerId: customer.id,
    details: {
      username,
      servers: servers.map((server) => server.hostname),
      dids: settings.dids,
      ...(imported && { externalId: imported.externalId, importId: imported.importId }),
      ...(imported && !imported.sendCredentials && { credentialsMailed: false }),
    },
  });
  await emitWebhookEvent(tx, "trunk.created", trunkEventData(trunk));
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

/** Rewrites the stored digest hashes of every realm the trunk is assigned to from `password`. */
export async function writeDigestHashes(tx: Tx, trunk: { id: string; username: string }, password: string) {
  const assigned = await tx.trunkServer.findMany({ where: { trunkId: trunk.id }, include: { server: true } });
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
}

/** Replaces the trunk's password: new ciphertext and new hashes for every assigned realm. */
export async function replaceTrunkPassword(tx: Tx, trunk: { id: string; username: string }) {
  const password = generateSipPassword();
  await writeDigestHashes(tx, trunk, password);
  return tx.trunk.update({
    where: { id: trunk.id },
    data: { ...sealPassword(trunk.username, password), passwordChangedAt: new Date() },
  });
}

const USERNAME_ATTEMPTS = 8;
const CANDIDATES_PER_CHECK = 4;

const isUsernameTaken = (error: unknown) =>
  error instanceof Prisma.PrismaClientKnownRequestError &&
  error.code === "P2002" &&
  JSON.stringify(error.meta ?? {}).includes("username");

/** A username never issued before, checked with one short query before any transaction opens. */
async function unusedUsername(db: Db, company: string): Promise<string> {
  for (let check = 1; check <= USERNAME_ATTEMPTS; check++) {
    const candidates = Array.from({ length: CANDIDATES_PER_CHECK }, () => generateSipUsername(company));
    const taken = await db.trunk.findMany({ where: { username: { in: candidates } }, select: { username: true } });
    const free = candidates.find((candidate) => !taken.some((trunk) => trunk.username === candidate));
    if (free) return free;
  }
  throw new ConflictError("No free SIP username is left for this company name; use a shorter or different one.");
}

/**
 * Runs `create` (a transaction that inserts a trunk) with a username not yet issued. Allocation happens outside the
 * transaction, so no connection is held while looking for one; if a concurrent creation took the same name in the
 * meantime (the unique index catches it and aborts the transaction), the whole transaction runs again with another.
 */
export async function withFreshUsername<T>(
  db: Db,
  company: string,
  create: (username: string) => Promise<T>,
): Promise<T> {
  for (let tries = 1; ; tries++) {
    const username = await unusedUsername(db, company);
    try {
      return await create(username);
    } catch (error) {
      if (!isUsernameTaken(error) || tries >= USERNAME_ATTEMPTS) throw error;
    }
  }
}
