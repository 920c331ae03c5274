import { z } from "zod";
import { recordAudit } from "../audit/log";
import { defineCommand } from "../commands";
import type { Db } from "../db";
import { ConflictError, NotFoundError } from "../errors";
import { queueMail } from "../mail/outbox";
import { outboundSuspendedMail } from "../mail/templates";
import type { Registrar } from "../registrar/types";
import { getProviderSettings } from "../settings";
import { id } from "../validation";
import { requestTrunkSync } from "./provision";

/**
 * Fraud guard, the portal's half: per-trunk limits the registrar enforces (kamailio.cfg route[FRAUD_GUARD]), and
 * the suspension that follows a crossed daily cap. The registrar refuses the call that crosses a cap; this module
 * notices it in the call records, suspends outbound calling for the trunk until staff lift it, and tells support
 * and the customer.
 */

/** The registrar's reason phrases for the daily caps, and what they mean in the mails and on the trunk. */
export const DAILY_CAP_REFUSALS: Record<string, string> = {
  "Forbidden (Daily Call Limit)": "daily call limit",
  "Forbidden (Daily Minutes Limit)": "daily minutes limit",
};

const optionalLimit = (max: number) =>
  z
    .union([
      z.literal(""),
      z.coerce.number().int("Enter a whole number.").min(1, "At least 1.").max(max, `At most ${max}.`),
    ])
    .optional()
    .transform((value) => (value === "" || value === undefined ? null : value));

export const setFraudLimits = defineCommand({
  name: "trunk.set-fraud-limits",
  permission: "trunks:edit",
  input: z.object({
    trunkId: id,
    maxCallsPerSecond: optionalLimit(1000),
    maxCallsPerDay: optionalLimit(1_000_000),
    maxMinutesPerDay: optionalLimit(1_000_000),
  }),
  async run(ctx, { trunkId, ...limits }) {
    return ctx.db.$transaction(async (tx) => {
      const trunk = await tx.trunk.findUnique({ where: { id: trunkId } });
      if (!trunk) throw new NotFoundError("Trunk");
      if (trunk.status === "DELETED") throw new ConflictError("This trunk was deleted; it can no longer be changed.");
      const updated = await tx.trunk.update({ where: { id: trunkId }, data: limits });
      await requestTrunkSync(tx, trunkId);
      await recordAudit(tx, ctx, {
        action: "trunk.set-fraud-limits",
        targetType: "trunk",
        targetId: trunkId,
        customerId: trunk.customerId,
        details: limits,
      });
      return updated;
    });
  },
});

export const liftOutboundSuspension = defineCommand({
  name: "trunk.lift-suspension",
  permission: "trunks:set-status",
  input: z.object({ trunkId: id }),
  async run(ctx, { trunkId }) {
    return ctx.db.$transaction(async (tx) => {
      const trunk = await tx.trunk.findUnique({ where: { id: trunkId } });
      if (!trunk) throw new NotFoundError("Trunk");
      if (!trunk.outboundSuspendedAt) throw new ConflictError("Outbound calling is not suspended on this trunk.");
      // The day's caps count again from now, or the next call would be refused (and suspended) at once.
      const updated = await tx.trunk.update({
        where: { id: trunkId },
        data: { outboundSuspendedAt: null, outboundSuspendedReason: null, capCountingSince: new Date() },
      });
      await requestTrunkSync(tx, trunkId);
      await recordAudit(tx, ctx, {
        action: "trunk.lift-suspension",
        targetType: "trunk",
        targetId: trunkId,
        customerId: trunk.customerId,
        details: { suspendedBecause: trunk.outboundSuspendedReason },
      });
      return updated;
    });
  },
});

/**
 * The scheduled scan: a trunk with a daily cap whose latest refused calls include a cap refusal (after its last lift)
 * is suspended, once, with an email to support and to the customer. Only trunks with a cap are read.
 */
export async function suspendTrunksOverDailyCaps(db: Db, registrar: Registrar) {
  const candidates = await db.trunk.findMany({
    where: {
      status: "ACTIVE",
      outboundSuspendedAt: null,
      OR: [{ maxCallsPerDay: { not: null } }, { maxMinutesPerDay: { not: null } }],
    },
    select: { id: true, username: true, capCountingSince: true },
  });
  let suspended = 0;
  for (const trunk of candidates) {
    const refusals = await registrar.callRecords({ username: trunk.username, outcome: "failed", limit: 20 });
    const since = trunk.capCountingSince?.getTime() ?? 0;
    const crossed = refusals.find((call) => DAILY_CAP_REFUSALS[call.reason] && call.at.getTime() >= since);
    if (crossed && (await suspend(db, trunk.id, DAILY_CAP_REFUSALS[crossed.reason] as string))) suspended++;
  }
  return suspended;
}

async function suspend(db: Db, trunkId: string, reason: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    // Only the first scan to get here suspends (and mails): a concurrent one finds it done.
    const claimed = await tx.trunk.updateMany({
      where: { id: trunkId, outboundSuspendedAt: null },
      data: { outboundSuspendedAt: new Date(), outboundSuspendedReason: `${reason} reached` },
    });
    if (claimed.count === 0) return false;
    const [trunk, provider] = await Promise.all([
      tx.trunk.findUniqueOrThrow({ where: { id: trunkId }, include: { customer: true } }),
      getProviderSettings(tx),
    ]);
    await requestTrunkSync(tx, trunkId);
    for (const audience of ["customer", "support"] as const) {
      await queueMail(tx, {
        ...outboundSuspendedMail({
          provider,
          username: trunk.username,
          company: trunk.customer.company,
          reason,
          audience,
        }),
        kind: `trunk.outbound-suspended.${audience}`,
        to: audience === "customer" ? trunk.customer.contactEmail : provider.supportEmail,
        customerId: trunk.customerId,
        trunkId,
      });
    }
    await recordAudit(
      tx,
      { actor: null, meta: { ip: null, userAgent: null } },
      {
        action: "trunk.outbound-suspended",
        targetType: "trunk",
        targetId: trunkId,
        customerId: trunk.customerId,
        details: { reason },
      },
    );
    return true;
  });
}
