import { auditRow } from "../audit/log";
import type { AuthorizedContext } from "../commands";
import { digestHashes } from "../credentials/digest";
import { seal } from "../credentials/encryption";
import { credentialKeyring } from "../credentials/keyring";
import { generateSipPassword } from "../credentials/password";
import { newRevealLink, REVEAL_LINK_HOURS } from "../credentials/reveal-links";
import { generateSipUsername } from "../credentials/username";
import { type Db, SqlTx, sqlRows, sqlStateOf, type Tx } from "../db";
import { portalUrl } from "../env";
import { ConflictError } from "../errors";
import { Prisma, type ProviderSettings, type Trunk } from "../generated/prisma/client";
import { newId } from "../ids";
import { enqueueJob, sharedJobSpecs } from "../jobs/queue";
import { mailJobSpecs, mailRow, SEND_MAIL_TASK } from "../mail/queue";
import { credentialsMail } from "../mail/templates";
import { getProviderSettings } from "../settings";
import { DELIVER_WEBHOOK_TASK, trunkEventData, webhookEventRow, webhookJobKey } from "../webhooks/events";
import type { TrunkPolicy, TrunkSettings } from "./schema";

export const SYNC_TRUNK_TASK = "registrar.sync-trunk";
export const syncJobKey = (trunkId: string) => `sync-trunk:${trunkId}`;
/**
 * Registrar syncs run before any other waiting job (graphile-worker takes the lowest priority number first): a new
 * trunk must be able to register seconds after it is created, also behind a burst of credential emails.
 */
export const SYNC_PRIORITY = -10;
/** At most this many trunks are written to the registrar in one transaction (and named by one sync job). */
export const SYNC_BATCH_SIZE = 200;

/**
 * The sync jobs of `trunkIds`: trunks created together (a batch, an import's chunk) share one job per SYNC_BATCH_SIZE;
 * a later change to one of them still queues that trunk's keyed job.
 */
export const syncJobSpecs = (trunkIds: string[]) =>
  sharedJobSpecs(
    trunkIds,
    SYNC_BATCH_SIZE,
    (trunkId) => ({ payload: { trunkId }, key: syncJobKey(trunkId) }),
    (ids) => ({ trunkIds: ids }),
  );

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
  await enqueueJob(tx, SYNC_TRUNK_TASK, { trunkId }, { jobKey: syncJobKey(trunkId), priority: SYNC_PRIORITY });
}

/** Servers the trunk will use, checked to exist and be active. */
async function activeServers(tx: Tx, serverIds: string[]) {
  const servers = await tx.sipServer.findMany({ where: { id: { in: serverIds }, active: true } });
  if (servers.length !== new Set(serverIds).size) {
    throw new ConflictError("Choose active SIP servers only.", "serverIds");
  }
  return servers;
}

async function assertDidsFree(db: Db | Tx | SqlTx, dids: string[], trunkId: string | null) {
  if (dids.length === 0) return;
  const taken = await sqlRows<{ number: string }>(
    db,
    Prisma.sql`SELECT number FROM "Did" WHERE number = ANY(${dids}::text[])
               AND (${trunkId}::text IS NULL OR "trunkId" <> ${trunkId}::text)`,
  );
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

type HotServer = { id: string; hostname: string; realm: string; version: string };
type HotRows = { provider: ProviderSettings; providerVersion: string; servers: Map<string, HotServer> };

/**
 * The provider settings and active SIP servers every trunk creation needs, kept per database client instead of read
 * for each trunk. Each row carries its version (PostgreSQL's xmin, which any change of the row moves, whoever makes
 * it), and the statement that inserts trunks checks those versions: a copy that went stale is never used, it is
 * noticed, refreshed and the insert runs again.
 */
const hotRowsOf = new WeakMap<object, Promise<HotRows>>();

async function loadHotRows(db: Db | Tx): Promise<HotRows> {
  await getProviderSettings(db);
  const [settings] = await db.$queryRaw<(ProviderSettings & { version: string })[]>`
    SELECT *, xmin::text AS version FROM "ProviderSettings" WHERE id = 1`;
  const servers = await db.$queryRaw<HotServer[]>`
    SELECT id, hostname, realm, xmin::text AS version FROM "SipServer" WHERE active`;
  if (!settings) throw new Error("the provider settings row is missing");
  const { version, ...provider } = settings;
  return { provider, providerVersion: version, servers: new Map(servers.map((server) => [server.id, server])) };
}

function hotRows(db: Db, fresh = false): Promise<HotRows> {
  const cached = hotRowsOf.get(db);
  if (cached && !fresh) return cached;
  const loading = loadHotRows(db);
  hotRowsOf.set(db, loading);
  loading.catch(() => hotRowsOf.delete(db));
  return loading;
}

/**
 * `hotRows` inside a transaction of `db` (a CSV import's row): the process's copy when it has one, since the insert
 * checks its versions anyway. Otherwise, or when it went stale, the rows are read through the transaction, which may
 * itself have just written them (the first provider settings row: a read on another connection would wait for it to
 * end), and what it read becomes the copy; should the transaction roll back, the next insert notices the versions.
 */
async function hotRowsIn(tx: Tx, db: Db, fresh: boolean): Promise<HotRows> {
  const cached = hotRowsOf.get(db);
  if (cached && !fresh) return cached;
  const rows = await loadHotRows(tx);
  hotRowsOf.set(db, Promise.resolve(rows));
  return rows;
}

/**
 * One trunk to create: its settings and the username chosen for it; for a CSV import's row, the provider's id for
 * the trunk and whether to email its credentials (they choose).
 */
export type NewTrunk = {
  settings: TrunkSettings;
  username: string;
  imported?: { externalId: string; importId: string; sendCredentials: boolean };
};
type CustomerForTrunks = { id: string; contactName: string; contactEmail: string };
/** A new trunk and its customer: a CSV import's chunk creates trunks of many customers in one statement. */
export type NewCustomerTrunk = NewTrunk & { customer: CustomerForTrunks };

/** Everything one new trunk writes, computed before the statement that writes it all. */
function newTrunkRows(
  ctx: AuthorizedContext,
  hot: HotRows,
  { customer, settings, username, imported }: NewCustomerTrunk,
  auditAction: string,
) {
  const servers = settings.serverIds.map((serverId) => hot.servers.get(serverId) as HotServer);
  const password = generateSipPassword();
  const id = newId();
  const forced =
    settings.callerIdPolicy !== "FORCED"
      ? { forcedCallerId: null, forcedCallerIdName: null }
      : settings.forcedCallerId
        ? { forcedCallerId: settings.forcedCallerId, forcedCallerIdName: settings.forcedCallerIdName }
        : { forcedCallerId: hot.provider.forcedCallerId, forcedCallerIdName: hot.provider.forcedCallerIdName };
  const trunk = {
    id,
    customerId: customer.id,
    username,
    ...sealPassword(username, password),
    callLimit: settings.callLimit,
    dialPermission: settings.dialPermission,
    allowedCountries: settings.dialPermission === "COUNTRIES" ? settings.allowedCountries : [],
    callerIdPolicy: settings.callerIdPolicy,
    ...forced,
    externalId: imported?.externalId ?? null,
  };
  // An import may choose not to email credentials: then nothing of the email is made (no link, no rendering).
  const mailed = imported?.sendCredentials ?? true;
  const delivery = hot.provider.passwordDelivery === "INLINE" ? "inline" : "link";
  const link = mailed && delivery === "link" ? newRevealLink(id) : null;
  const mail = () =>
    mailRow({
      ...credentialsMail({
        provider: hot.provider,
        portalUrl: portalUrl(""),
        delivery,
        reason: "new",
        contactName: customer.contactName,
        linkExpiresHours: REVEAL_LINK_HOURS,
        trunk: { ...trunk, hostnames: servers.map((server) => server.hostname), dids: settings.dids },
      }),
      kind: "credentials.new",
      to: customer.contactEmail,
      customerId: customer.id,
      trunkId: id,
      secrets: link ? { revealUrl: portalUrl(`/reveal/${link.token}`) } : { password },
    });
  return {
    trunk,
    servers: serverRows(username, password, servers).map((row) => ({ trunkId: id, ...row })),
    dids: settings.dids.map((number) => ({ id: newId(), number, trunkId: id })),
    links: link ? [{ id: newId(), ...link.row }] : [],
    mails: mailed ? [mail()] : [],
    audit: auditRow(ctx, {
      action: auditAction,
      targetType: "trunk",
      targetId: id,
      customerId: customer.id,
      details: {
        username,
        servers: servers.map((server) => server.hostname),
        dids: settings.dids,
        ...(imported && { externalId: imported.externalId, importId: imported.importId }),
        ...(!mailed && { credentialsMailed: false }),
      },
    }),
    event: webhookEventRow("trunk.created", trunkEventData({ ...trunk, status: "ACTIVE" })),
  };
}

const json = (rows: unknown[]) => JSON.stringify(rows);

/**
 * Creates trunks with fresh credentials and queues, for each, its registrar sync and its credentials email, audits it
 * and announces it to the webhook endpoints that want trunk.created: one SQL statement for the whole batch (no interactive transaction needed, so it runs as well inside the
 * caller's transaction as on its own). The plaintext passwords exist only in this function's memory.
 *
 * The statement inserts nothing when the provider settings or a chosen server changed since this process read them
 * (their versions); then they are read again and the statement runs again. It holds its customers' rows (FOR SHARE)
 * until it commits: a change to a whole account (a suspension, a closure, a demo's end) locks the customer first, so
 * it either waits for these trunks and syncs them too, or commits before their own sync reads the account.
 */
export async function insertTrunks(
  db: Db | Tx | SqlTx,
  ctx: AuthorizedContext,
  customer: CustomerForTrunks,
  trunks: NewTrunk[],
  auditAction = "trunk.create",
): Promise<Trunk[]> {
  return insertCustomerTrunks(
    db,
    ctx,
    trunks.map((trunk) => ({ ...trunk, customer })),
    auditAction,
  );
}

/** `insertTrunks` for trunks of several customers (each trunk names its own). */
export async function insertCustomerTrunks(
  db: Db | Tx | SqlTx,
  ctx: AuthorizedContext,
  trunks: NewCustomerTrunk[],
  auditAction = "trunk.create",
): Promise<Trunk[]> {
  const dids = trunks.flatMap((trunk) => trunk.settings.dids);
  if (new Set(dids).size !== dids.length) throw new ConflictError("Each DID can be routed to one trunk only.", "dids");
  await assertDidsFree(db, dids, null);
  // A transaction of sqlTransaction (a CSV import's chunk) never changes these rows: the client's copy serves it.
  const read = (fresh: boolean) =>
    db === ctx.db || db instanceof SqlTx ? hotRows(ctx.db, fresh) : hotRowsIn(db, ctx.db, fresh);
  for (let attempt = 1; ; attempt++) {
    let hot = await read(attempt > 1);
    const serverIds = [...new Set(trunks.flatMap((trunk) => trunk.settings.serverIds))];
    const customerIds = [...new Set(trunks.map((trunk) => trunk.customer.id))];
    // A server added since the copy was read is not in it yet.
    if (serverIds.some((serverId) => !hot.servers.has(serverId)) && attempt === 1) hot = await read(true);
    if (serverIds.some((serverId) => !hot.servers.has(serverId))) {
      throw new ConflictError("Choose active SIP servers only.", "serverIds");
    }
    const rows = trunks.map((trunk) => newTrunkRows(ctx, hot, trunk, auditAction));
    const inserted = await sqlRows<Trunk>(
      db,
      Prisma.sql`
      WITH
      trunk AS (
        INSERT INTO "Trunk" (id, "customerId", username, "passwordCiphertext", "passwordKeyId", "callLimit",
                             "dialPermission", "allowedCountries", "callerIdPolicy", "forcedCallerId",
                             "forcedCallerIdName", "externalId", "syncState", "syncRequestedAt", "syncVersion",
                             "updatedAt")
        SELECT v.id, v."customerId", v.username, v."passwordCiphertext", v."passwordKeyId", v."callLimit",
               v."dialPermission"::"DialPermission", v."allowedCountries", v."callerIdPolicy"::"CallerIdPolicy",
               v."forcedCallerId", v."forcedCallerIdName", v."externalId", 'PENDING', now(), 1, now()
        FROM json_to_recordset(${json(rows.map((row) => row.trunk))}::json) AS v(
          id text, "customerId" text, username text, "passwordCiphertext" text, "passwordKeyId" text, "callLimit" int,
          "dialPermission" text, "allowedCountries" text[], "callerIdPolicy" text, "forcedCallerId" text,
          "forcedCallerIdName" text, "externalId" text)
        WHERE (SELECT xmin::text FROM "ProviderSettings" WHERE id = 1) = ${hot.providerVersion}
          AND (SELECT count(*) FROM "SipServer" s
               JOIN unnest(${serverIds}::text[], ${serverIds.map((serverId) => hot.servers.get(serverId)?.version)}::text[])
                 AS seen(id, version) ON s.id = seen.id AND s.xmin::text = seen.version
               WHERE s.active) = ${serverIds.length}
          AND (SELECT count(*) FROM (SELECT 1 FROM "Customer" WHERE id = ANY(${customerIds}::text[])
                                     ORDER BY id FOR SHARE) locked) = ${customerIds.length}
        RETURNING *),
      servers AS (
        INSERT INTO "TrunkServer" ("trunkId", "serverId", ha1, ha1b)
        SELECT v."trunkId", v."serverId", v.ha1, v.ha1b
        FROM json_to_recordset(${json(rows.flatMap((row) => row.servers))}::json)
          AS v("trunkId" text, "serverId" text, ha1 text, ha1b text)
        WHERE EXISTS (SELECT 1 FROM trunk)),
      numbers AS (
        INSERT INTO "Did" (id, number, "trunkId")
        SELECT v.id, v.number, v."trunkId"
        FROM json_to_recordset(${json(rows.flatMap((row) => row.dids))}::json) AS v(id text, number text, "trunkId" text)
        WHERE EXISTS (SELECT 1 FROM trunk)),
      links AS (
        INSERT INTO "RevealLink" (id, "tokenHash", "trunkId", "expiresAt")
        SELECT v.id, v."tokenHash", v."trunkId", v."expiresAt"
        FROM json_to_recordset(${json(rows.flatMap((row) => row.links))}::json)
          AS v(id text, "tokenHash" text, "trunkId" text, "expiresAt" timestamp(3))
        WHERE EXISTS (SELECT 1 FROM trunk)),
      mails AS (
        INSERT INTO "Mail" (id, "messageId", kind, "to", subject, text, html, "secretSlots", "secretsSealed",
                            "secretsKeyId", "customerId", "trunkId")
        SELECT v.id, v."messageId", v.kind, v."to", v.subject, v.text, v.html, v."secretSlots"::jsonb,
               v."secretsSealed", v."secretsKeyId", v."customerId", v."trunkId"
        FROM json_to_recordset(${json(rows.flatMap((row) => row.mails))}::json) AS v(
          id text, "messageId" text, kind text, "to" text, subject text, text text, html text, "secretSlots" json,
          "secretsSealed" text, "secretsKeyId" text, "customerId" text, "trunkId" text)
        WHERE EXISTS (SELECT 1 FROM trunk)),
      audit AS (
        INSERT INTO "AuditLog" ("actorId", "actorEmail", "actorRole", action, "targetType", "targetId", "customerId",
                                ip, "userAgent", "apiKeyId", details)
        SELECT v."actorId", v."actorEmail", v."actorRole"::"Role", v.action, v."targetType", v."targetId",
               v."customerId", v.ip, v."userAgent", v."apiKeyId", v.details::jsonb
        FROM json_to_recordset(${json(rows.map((row) => row.audit))}::json) AS v(
          "actorId" text, "actorEmail" text, "actorRole" text, action text, "targetType" text, "targetId" text,
          "customerId" text, ip text, "userAgent" text, "apiKeyId" text, details json)
        WHERE EXISTS (SELECT 1 FROM trunk)),
      hooks AS (SELECT id FROM "WebhookEndpoint" WHERE active AND 'trunk.created' = ANY(events)),
      events AS (
        INSERT INTO "WebhookEvent" (id, type, body)
        SELECT v.id, 'trunk.created', v.body
        FROM json_to_recordset(${json(rows.map((row) => row.event))}::json) AS v(id text, body text)
        WHERE EXISTS (SELECT 1 FROM trunk) AND EXISTS (SELECT 1 FROM hooks)
        RETURNING id),
      deliveries AS (
        INSERT INTO "WebhookDelivery" (id, "endpointId", "eventId")
        SELECT gen_random_uuid()::text, hooks.id, events.id FROM events CROSS JOIN hooks
        RETURNING id),
      jobs AS (
        SELECT count(*) FROM (SELECT 1 FROM trunk LIMIT 1) inserted,
        LATERAL graphile_worker.add_jobs(ARRAY(
          SELECT (j.task, j.payload, NULL, NULL, NULL, j.key, j.priority, NULL)::graphile_worker.job_spec
          FROM json_to_recordset(${json([
            ...syncJobSpecs(rows.map((row) => row.trunk.id)).map((spec) => ({
              task: SYNC_TRUNK_TASK,
              ...spec,
              priority: SYNC_PRIORITY,
            })),
            ...mailJobSpecs(rows.flatMap((row) => row.mails.map((mail) => mail.id))).map((spec) => ({
              task: SEND_MAIL_TASK,
              ...spec,
            })),
          ])}::json) AS j(task text, payload json, key text, priority int)
          UNION ALL
          SELECT (${DELIVER_WEBHOOK_TASK}, json_build_object('deliveryId', d.id), NULL, NULL, NULL,
                  ${webhookJobKey("")} || d.id, NULL, NULL)::graphile_worker.job_spec
          FROM deliveries d))
      )
      SELECT trunk.* FROM trunk, jobs`,
      "insert-trunks",
    );
    if (inserted.length === trunks.length) return inserted;
    if (attempt >= 3) throw new ConflictError("The provider settings changed at the same moment. Please try again.");
  }
}

/** Creates one trunk: `insertTrunks` for one. */
export async function insertTrunk(
  db: Db | Tx,
  ctx: AuthorizedContext,
  customer: CustomerForTrunks,
  settings: TrunkSettings,
  username: string,
  imported?: NewTrunk["imported"],
) {
  const [trunk] = await insertTrunks(db, ctx, customer, [{ settings, username, imported }]);
  return trunk as Trunk;
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

/** A unique violation of the username (by a Prisma query, or by a raw statement such as insertTrunks'). */
const isUsernameTaken = (error: unknown) =>
  error instanceof Prisma.PrismaClientKnownRequestError &&
  (error.code === "P2002" || sqlStateOf(error) === "23505") &&
  /username/i.test(`${JSON.stringify(error.meta ?? {})} ${error.message}`);

/**
 * A username never issued before for each of `companies` (all distinct), checked with one short query per attempt
 * before any transaction opens.
 */
async function unusedUsernames(db: Db, companies: string[]): Promise<string[]> {
  const chosen: (string | undefined)[] = companies.map(() => undefined);
  const issued = new Set<string>();
  for (let check = 1; check <= USERNAME_ATTEMPTS; check++) {
    const open = companies.flatMap((company, slot) =>
      chosen[slot] === undefined
        ? [{ slot, candidates: Array.from({ length: CANDIDATES_PER_CHECK }, () => generateSipUsername(company)) }]
        : [],
    );
    if (open.length === 0) break;
    const taken = await sqlRows<{ username: string }>(
      db,
      Prisma.sql`SELECT username FROM "Trunk" WHERE username = ANY(${open.flatMap((slot) => slot.candidates)}::text[])`,
      "taken-usernames",
    );
    const takenNames = new Set(taken.map((row) => row.username));
    for (const { slot, candidates } of open) {
      const free = candidates.find((candidate) => !takenNames.has(candidate) && !issued.has(candidate));
      if (free === undefined) continue;
      chosen[slot] = free;
      issued.add(free);
    }
  }
  if (chosen.some((username) => username === undefined)) {
    throw new ConflictError("No free SIP username is left for this company name; use a shorter or different one.");
  }
  return chosen as string[];
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
  return withFreshUsernames(db, company, 1, ([username]) => create(username as string));
}

/** withFreshUsername for `count` trunks at once (a batch created in one statement). */
export async function withFreshUsernames<T>(
  db: Db,
  company: string,
  count: number,
  create: (usernames: string[]) => Promise<T>,
): Promise<T> {
  return withFreshUsernamesFor(db, Array<string>(count).fill(company), create);
}

/** withFreshUsername for trunks of several companies at once, one username for each of `companies`, in order. */
export async function withFreshUsernamesFor<T>(
  db: Db,
  companies: string[],
  create: (usernames: string[]) => Promise<T>,
): Promise<T> {
  for (let tries = 1; ; tries++) {
    const usernames = await unusedUsernames(db, companies);
    try {
      return await create(usernames);
    } catch (error) {
      if (!isUsernameTaken(error) || tries >= USERNAME_ATTEMPTS) throw error;
    }
  }
}
