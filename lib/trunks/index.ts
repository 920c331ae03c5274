import { z } from "zod";
import { recordAudit } from "../audit/log";
import { type AuthorizedContext, type CommandContext, defineCommand } from "../commands";
import { supersedeRevealLinks } from "../credentials/reveal-links";
import { demoStatus } from "../customers/demo";
import { type Db, sqlRows, type Tx, transaction } from "../db";
import { ConflictError, NotFoundError } from "../errors";
import { Prisma, type SipServer, type Trunk } from "../generated/prisma/client";
import { supersedeCredentialsMails } from "../mail/queue";
import { formNumber, id, isId, optionalText } from "../validation";
import { emitWebhookEvent, trunkEventData } from "../webhooks/events";
import { refuseTrunksUnlessActive } from "./active-account";
import { trunkInclude } from "./include";
import { queueCredentialsMail, queueTrunkStatusMail } from "./notify";
import { decryptTrunkPassword } from "./password";
import {
  applyTrunkSettings,
  insertTrunk,
  insertTrunks,
  replaceTrunkPassword,
  requestTrunkSync,
  withFreshUsername,
  withFreshUsernames,
  writeDigestHashes,
} from "./provision";
import { trunkSettings } from "./schema";

export async function getTrunk(db: Db | Tx, trunkId: string) {
  if (!isId(trunkId)) throw new NotFoundError("Trunk");
  const trunk = await db.trunk.findUnique({ where: { id: trunkId }, include: trunkInclude });
  if (!trunk) throw new NotFoundError("Trunk");
  return trunk;
}

export type TrunkDetails = Awaited<ReturnType<typeof getTrunk>>;

/** A trunk with its SIP servers and DIDs in display order, as the API answers after each change. */
export type TrunkWithServers = Trunk & {
  servers: { server: Pick<SipServer, "id" | "hostname" | "realm"> }[];
  dids: { number: string }[];
};

/** `getTrunk` without the customer, in one statement instead of Prisma's five: each API write answers with it. */
export async function getTrunkWithServers(db: Db, trunkId: string): Promise<TrunkWithServers> {
  const [trunk] = await getTrunksWithServers(db, [trunkId]);
  if (!trunk) throw new NotFoundError("Trunk");
  return trunk;
}

/** `getTrunkWithServers` for many trunks in one statement, in the order of `trunkIds`; unknown ids are left out. */
export async function getTrunksWithServers(db: Db, trunkIds: string[]): Promise<TrunkWithServers[]> {
  const ids = trunkIds.filter(isId);
  if (ids.length === 0) return [];
  return sqlRows<TrunkWithServers>(
    db,
    Prisma.sql`SELECT t.*,
        COALESCE((SELECT json_agg(json_build_object('server',
            json_build_object('id', s.id, 'hostname', s.hostname, 'realm', s.realm)) ORDER BY s.hostname)
          FROM "TrunkServer" ts JOIN "SipServer" s ON s.id = ts."serverId" WHERE ts."trunkId" = t.id), '[]') AS servers,
        COALESCE((SELECT json_agg(json_build_object('number', d.number) ORDER BY d.number)
          FROM "Did" d WHERE d."trunkId" = t.id), '[]') AS dids
      FROM unnest(${ids}::text[]) WITH ORDINALITY AS wanted(id, position)
      JOIN "Trunk" t ON t.id = wanted.id
      ORDER BY wanted.position`,
    "trunks-with-servers",
  );
}

/**
 * Locks the trunk's row until the transaction ends, then reads it. Every change to a trunk starts here, so changes
 * to one trunk run one after another and each one works from what the previous one committed (a password reset and
 * a settings edit at the same moment can no longer mix two passwords). NO KEY: rows that merely reference the trunk
 * (reveal links, DIDs) can still be inserted meanwhile; only other changes to it wait.
 */
export async function lockTrunk(tx: Tx, trunkId: string) {
  await tx.$queryRaw`SELECT 1 FROM "Trunk" WHERE "id" = ${trunkId} FOR NO KEY UPDATE`;
  return getTrunk(tx, trunkId);
}

/** Locks a trunk that can still be changed: deleted trunks are kept only for their history. */
export async function lockLiveTrunk(tx: Tx, trunkId: string) {
  const trunk = await lockTrunk(tx, trunkId);
  if (trunk.status === "DELETED") throw new ConflictError("This trunk was deleted; it can no longer be changed.");
  return trunk;
}

/** Rewrites the trunk's stored digests from its sealed password (reconciliation's repair of a stale copy). */
export async function rehashTrunk(db: Db, trunkId: string) {
  await transaction(db, async (tx) => {
    const trunk = await lockTrunk(tx, trunkId);
    await writeDigestHashes(tx, trunk, decryptTrunkPassword(trunk));
  });
}

export const createTrunk = defineCommand({
  name: "trunk.create",
  permission: "trunks:create",
  input: z.intersection(z.object({ customerId: id }), trunkSettings),
  async run(ctx, { customerId, ...settings }) {
    const customer = await customerForTrunks(ctx.db, customerId);
    // One statement writes the trunk and everything that goes with it: no interactive transaction is needed.
    return withFreshUsername(ctx.db, customer.company, (username) =>
      insertTrunk(ctx.db, ctx, customer, settings, username),
    );
  },
});

/** What creating trunks needs of their customer, read without Prisma's query compiler (a hot path). */
async function customerForTrunks(db: Db, customerId: string) {
  const [customer] = await sqlRows<{
    id: string;
    company: string;
    contactName: string;
    contactEmail: string;
    status: string;
  }>(
    db,
    Prisma.sql`SELECT id, company, "contactName", "contactEmail", status::text FROM "Customer" WHERE id = ${customerId}`,
    "customer-for-trunks",
  );
  if (!customer) throw new NotFoundError("Customer");
  refuseTrunksUnlessActive(customer);
  return customer;
}

/** Trunks one batch may create (a bulk order, an import): one statement each, a few hundred rows. */
export const MAX_TRUNKS_PER_BATCH = 500;

/**
 * Creates many trunks with the same settings for one customer in one statement (bulk provisioning). Each gets its own
 * credentials, registrar sync, credentials email and audit entry, exactly as `trunk.create` would write them.
 */
export const createTrunks = defineCommand({
  name: "trunk.create-batch",
  permission: "trunks:create",
  input: z.intersection(
    z.object({
      customerId: id,
      count: formNumber(
        z
          .number({ error: "Enter how many trunks to create." })
          .int("Enter a whole number of trunks.")
          .min(1, "Create at least one trunk.")
          .max(MAX_TRUNKS_PER_BATCH, `Create at most ${MAX_TRUNKS_PER_BATCH} trunks at once.`),
      ),
    }),
    trunkSettings,
  ),
  async run(ctx, { customerId, count, ...settings }) {
    if (count > 1 && settings.dids.length > 0) {
      throw new ConflictError("DIDs can be given only when creating one trunk.", "dids");
    }
    const customer = await customerForTrunks(ctx.db, customerId);
    return withFreshUsernames(ctx.db, customer.company, count, (usernames) =>
      insertTrunks(
        ctx.db,
        ctx,
        customer,
        usernames.map((username) => ({ settings, username })),
      ),
    );
  },
});

export const updateTrunk = defineCommand({
  name: "trunk.update",
  permission: "trunks:edit",
  input: z.intersection(z.object({ trunkId: id }), trunkSettings),
  async run(ctx, { trunkId, ...settings }) {
    return transaction(ctx.db, async (tx) => {
      const before = await lockLiveTrunk(tx, trunkId);
      const trunk = await applyTrunkSettings(tx, before, decryptTrunkPassword(before), settings);
      await requestTrunkSync(tx, trunkId);
      await recordAudit(tx, ctx, {
        action: "trunk.update",
        targetType: "trunk",
        targetId: trunkId,
        customerId: before.customerId,
        details: {
          callLimit: settings.callLimit,
          dialPermission: settings.dialPermission,
          allowedCountries: settings.allowedCountries,
          callerIdPolicy: settings.callerIdPolicy,
          dids: settings.dids,
          servers: settings.serverIds,
        },
      });
      await emitWebhookEvent(tx, "trunk.updated", trunkEventData(trunk));
      return trunk;
    });
  },
});

export const setTrunkStatus = defineCommand({
  name: "trunk.set-status",
  permission: "trunks:set-status",
  input: z.object({
    trunkId: id,
    status: z.enum(["ACTIVE", "DISABLED"], { error: "Choose enable or disable." }),
    reason: optionalText(500),
  }),
  async run(ctx, { trunkId, status, reason }) {
    return transaction(ctx.db, async (tx) => {
      const before = await lockLiveTrunk(tx, trunkId);
      // The registrar would refuse it anyway; say what would help instead of showing an enabled trunk that fails.
      if (status === "ACTIVE" && demoStatus(before.customer)?.ended) {
        throw new ConflictError(
          "This demo has ended: extend it or convert it to a paying account to enable its trunks.",
        );
      }
      // A decision by staff replaces one made by the demo expiry job: extending the demo will not undo it.
      const trunk = await tx.trunk.update({
        where: { id: trunkId },
        data: { status, statusReason: reason, disabledByDemoExpiry: false },
      });
      await requestTrunkSync(tx, trunkId);
      if (before.status !== status) await queueTrunkStatusMail(tx, trunkId, reason);
      await recordAudit(tx, ctx, {
        action: status === "DISABLED" ? "trunk.disable" : "trunk.enable",
        targetType: "trunk",
        targetId: trunkId,
        customerId: before.customerId,
        details: { username: before.username, reason },
      });
      if (before.status !== status) await emitWebhookEvent(tx, "trunk.updated", trunkEventData(trunk));
      return trunk;
    });
  },
});

/**
 * Gives the trunk a new SIP password: sealed and hashed for the registrar, synced, emailed to the customer and
 * audited, in one transaction. `mayReset` sees the locked trunk first (a customer may reset only their own). Returns
 * the sync version that carries the new password: the old one works until the registrar has that version.
 */
export async function resetPassword(
  ctx: AuthorizedContext,
  trunkId: string,
  via: "staff" | "customer",
  mayReset: (trunk: TrunkDetails) => void = () => {},
) {
  return transaction(ctx.db, async (tx) => {
    const before = await lockLiveTrunk(tx, trunkId);
    mayReset(before);
    const trunk = await replaceTrunkPassword(tx, before);
    const { syncVersion } = await requestTrunkSync(tx, trunkId);
    await queueCredentialsMail(tx, trunkId, "reset");
    await recordAudit(tx, ctx, {
      action: "trunk.reset-password",
      targetType: "trunk",
      targetId: trunkId,
      customerId: before.customerId,
      details: { username: before.username, via },
    });
    await emitWebhookEvent(tx, "trunk.password_reset", trunkEventData(trunk));
    return { ...trunk, syncVersion };
  });
}

export const resetTrunkPassword = defineCommand({
  name: "trunk.reset-password",
  permission: "trunks:reset-password",
  input: z.object({ trunkId: id }),
  run: (ctx, { trunkId }) => resetPassword(ctx, trunkId, "staff"),
});

/**
 * What differs between the ways a person sees a SIP password: who it is recorded as shown to (`via`), and what must
 * hold first beyond the command's permission (`check`: e.g. the customer's account is active and under its reveal
 * limit; throws when not).
 */
export type RevealRule = { via: "staff" | "customer" | "link"; check?: () => Promise<void> };

/** The one way a person is shown a SIP password: the rule's check, then the audit row, then the password. */
export async function revealPassword(
  db: Db | Tx,
  ctx: Pick<CommandContext, "actor" | "meta">,
  trunk: Parameters<typeof decryptTrunkPassword>[0] & { id: string; customerId: string },
  rule: RevealRule,
) {
  await rule.check?.();
  await recordAudit(db, ctx, {
    action: "trunk.reveal-password",
    targetType: "trunk",
    targetId: trunk.id,
    customerId: trunk.customerId,
    details: { username: trunk.username, via: rule.via },
  });
  return decryptTrunkPassword(trunk);
}

export const revealTrunkPassword = defineCommand({
  name: "trunk.reveal-password",
  permission: "trunks:reveal-password",
  input: z.object({ trunkId: id }),
  async run(ctx, { trunkId }) {
    const trunk = await getTrunk(ctx.db, trunkId);
    return { password: await revealPassword(ctx.db, ctx, trunk, { via: "staff" }) };
  },
});

export const resendCredentials = defineCommand({
  name: "trunk.resend-credentials",
  permission: "trunks:send-credentials",
  input: z.object({ trunkId: id }),
  async run(ctx, { trunkId }) {
    return transaction(ctx.db, async (tx) => {
      const trunk = await lockLiveTrunk(tx, trunkId);
      const mail = await queueCredentialsMail(tx, trunkId, "resend");
      await recordAudit(tx, ctx, {
        action: "trunk.resend-credentials",
        targetType: "trunk",
        targetId: trunkId,
        customerId: trunk.customerId,
        details: { username: trunk.username, to: mail.to },
      });
      return mail;
    });
  },
});

export const requestResync = defineCommand({
  name: "trunk.resync",
  permission: "registrar:sync",
  input: z.object({ trunkId: id }),
  async run(ctx, { trunkId }) {
    return transaction(ctx.db, async (tx) => {
      const trunk = await lockTrunk(tx, trunkId);
      await requestTrunkSync(tx, trunkId);
      await recordAudit(tx, ctx, {
        action: "trunk.resync",
        targetType: "trunk",
        targetId: trunkId,
        customerId: trunk.customerId,
        details: { username: trunk.username },
      });
    });
  },
});

export const deleteTrunk = defineCommand({
  name: "trunk.delete",
  permission: "trunks:delete",
  input: z.object({ trunkId: id, reason: optionalText(500) }),
  async run(ctx, { trunkId, reason }) {
    return transaction(ctx.db, async (tx) => {
      const before = await lockLiveTrunk(tx, trunkId);
      // The row stays so its username is never issued again; its DIDs are freed for other trunks.
      await tx.did.deleteMany({ where: { trunkId } });
      await supersedeRevealLinks(tx, trunkId);
      await supersedeCredentialsMails(tx, trunkId);
      const trunk = await tx.trunk.update({
        where: { id: trunkId },
        data: { status: "DELETED", statusReason: reason, disabledByDemoExpiry: false },
      });
      await requestTrunkSync(tx, trunkId);
      await recordAudit(tx, ctx, {
        action: "trunk.delete",
        targetType: "trunk",
        targetId: trunkId,
        customerId: before.customerId,
        details: { username: before.username, reason, dids: before.dids.map((did) => did.number) },
      });
      await emitWebhookEvent(tx, "trunk.updated", trunkEventData(trunk));
      return trunk;
    });
  },
});
