import { z } from "zod";
import { recordAudit } from "../audit/log";
import { type CommandContext, defineCommand } from "../commands";
import { supersedeRevealLinks } from "../credentials/reveal-links";
import type { Db, Tx } from "../db";
import { ConflictError, NotFoundError } from "../errors";
import { id, isId, optionalText } from "../validation";
import { queueCredentialsMail, queueTrunkStatusMail } from "./notify";
import { decryptTrunkPassword } from "./password";
import {
  applyTrunkSettings,
  insertTrunk,
  replaceTrunkPassword,
  requestTrunkSync,
  withFreshUsername,
} from "./provision";
import { trunkSettings } from "./schema";

const trunkInclude = {
  customer: true,
  dids: { orderBy: { number: "asc" } },
  servers: { include: { server: true }, orderBy: { server: { hostname: "asc" } } },
} as const;

export async function getTrunk(db: Db | Tx, trunkId: string) {
  if (!isId(trunkId)) throw new NotFoundError("Trunk");
  const trunk = await db.trunk.findUnique({ where: { id: trunkId }, include: trunkInclude });
  if (!trunk) throw new NotFoundError("Trunk");
  return trunk;
}

export type TrunkDetails = Awaited<ReturnType<typeof getTrunk>>;

/** A trunk that can still be changed: deleted trunks are kept only for their history. */
async function getLiveTrunk(tx: Db | Tx, trunkId: string) {
  const trunk = await getTrunk(tx, trunkId);
  if (trunk.status === "DELETED") throw new ConflictError("This trunk was deleted; it can no longer be changed.");
  return trunk;
}

export const createTrunk = defineCommand({
  name: "trunk.create",
  permission: "trunks:create",
  input: z.intersection(z.object({ customerId: id }), trunkSettings),
  async run(ctx, { customerId, ...settings }) {
    return withFreshUsername(() =>
      ctx.db.$transaction(async (tx) => {
        const customer = await tx.customer.findUnique({ where: { id: customerId } });
        if (!customer) throw new NotFoundError("Customer");
        return insertTrunk(tx, ctx, customer, settings);
      }),
    );
  },
});

export const updateTrunk = defineCommand({
  name: "trunk.update",
  permission: "trunks:edit",
  input: z.intersection(z.object({ trunkId: id }), trunkSettings),
  async run(ctx, { trunkId, ...settings }) {
    return ctx.db.$transaction(async (tx) => {
      const before = await getLiveTrunk(tx, trunkId);
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
    return ctx.db.$transaction(async (tx) => {
      const before = await getLiveTrunk(tx, trunkId);
      const trunk = await tx.trunk.update({ where: { id: trunkId }, data: { status, statusReason: reason } });
      await requestTrunkSync(tx, trunkId);
      if (before.status !== status) await queueTrunkStatusMail(tx, trunkId, reason);
      await recordAudit(tx, ctx, {
        action: status === "DISABLED" ? "trunk.disable" : "trunk.enable",
        targetType: "trunk",
        targetId: trunkId,
        customerId: before.customerId,
        details: { username: before.username, reason },
      });
      return trunk;
    });
  },
});

export const resetTrunkPassword = defineCommand({
  name: "trunk.reset-password",
  permission: "trunks:reset-password",
  input: z.object({ trunkId: id }),
  async run(ctx, { trunkId }) {
    return ctx.db.$transaction(async (tx) => {
      const before = await getLiveTrunk(tx, trunkId);
      const trunk = await replaceTrunkPassword(tx, before);
      await requestTrunkSync(tx, trunkId);
      await queueCredentialsMail(tx, trunkId, "reset");
      await recordAudit(tx, ctx, {
        action: "trunk.reset-password",
        targetType: "trunk",
        targetId: trunkId,
        customerId: before.customerId,
        details: { username: before.username },
      });
      return trunk;
    });
  },
});

/** Shows the SIP password to someone allowed to see it; every reveal is written to the audit log first. */
export async function revealPassword(
  db: Db | Tx,
  ctx: Pick<CommandContext, "actor" | "meta">,
  trunk: Parameters<typeof decryptTrunkPassword>[0] & { id: string; customerId: string },
  via: "staff" | "customer" | "link",
) {
  await recordAudit(db, ctx, {
    action: "trunk.reveal-password",
    targetType: "trunk",
    targetId: trunk.id,
    customerId: trunk.customerId,
    details: { username: trunk.username, via },
  });
  return decryptTrunkPassword(trunk);
}

export const revealTrunkPassword = defineCommand({
  name: "trunk.reveal-password",
  permission: "trunks:reveal-password",
  input: z.object({ trunkId: id }),
  async run(ctx, { trunkId }) {
    const trunk = await getTrunk(ctx.db, trunkId);
    return { password: await revealPassword(ctx.db, ctx, trunk, "staff") };
  },
});

export const resendCredentials = defineCommand({
  name: "trunk.resend-credentials",
  permission: "trunks:send-credentials",
  input: z.object({ trunkId: id }),
  async run(ctx, { trunkId }) {
    return ctx.db.$transaction(async (tx) => {
      const trunk = await getLiveTrunk(tx, trunkId);
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
    return ctx.db.$transaction(async (tx) => {
      const trunk = await getTrunk(tx, trunkId);
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
    return ctx.db.$transaction(async (tx) => {
      const before = await getLiveTrunk(tx, trunkId);
      // The row stays so its username is never issued again; its DIDs are freed for other trunks.
      await tx.did.deleteMany({ where: { trunkId } });
      await supersedeRevealLinks(tx, trunkId);
      const trunk = await tx.trunk.update({
        where: { id: trunkId },
        data: { status: "DELETED", statusReason: reason },
      });
      await requestTrunkSync(tx, trunkId);
      await recordAudit(tx, ctx, {
        action: "trunk.delete",
        targetType: "trunk",
        targetId: trunkId,
        customerId: before.customerId,
        details: { username: before.username, reason, dids: before.dids.map((did) => did.number) },
      });
      return trunk;
    });
  },
});
