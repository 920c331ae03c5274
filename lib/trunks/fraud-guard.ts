import { z } from "zod";
import { recordAudit, SYSTEM_ACTOR } from "../audit/log";
import { defineCommand } from "../commands";
import { type Db, transaction } from "../db";
import { ConflictError } from "../errors";
import { queueMail } from "../mail/queue";
import { outboundSuspendedMail } from "../mail/templates";
import type { Registrar } from "../registrar/types";
import { getProviderSettings } from "../settings";
import { callsPerDayLimit, callsPerSecondLimit, id, minutesPerDayLimit, optionalNumber } from "../validation";
import { lockLiveTrunk } from ".";
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

export const setFraudLimits = defineCommand({
  name: "trunk.set-fraud-limits",
  permission: "trunks:edit",
  input: z.object({
    trunkId: id,
    maxCallsPerSecond: optionalNumber(callsPerSecondLimit),
    maxCallsPerDay: optionalNumber(callsPerDayLimit),
    maxMinutesPerDay: optionalNumber(minutesPerDayLimit),
  }),
  async run(ctx, { trunkId, ...limits }) {
    return transaction(ctx.db, async (tx) => {
      const trunk = await lockLiveTrunk(tx, trunkId);
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
    return transaction(ctx.db, async (tx) => {
      const trunk = await lockLiveTrunk(tx, trunkId);
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
 * The scheduled scan (every minute): a trunk whose daily cap refused a call since its last lift is suspended, once,
 * with an email to support and to the customer. One registrar query finds the day's cap refusals of every trunk, one
 * portal query the trunks among them still to suspend.
 */
export async function suspendTrunksOverDailyCaps(db: Db, registrar: Registrar, now = new Date()) {
  // A day back, so a refusal just before midnight UTC is still seen by the first scan after it.
  const refused = await registrar.refusals({
    reasons: Object.keys(DAILY_CAP_REFUSALS),
    since: new Date(now.getTime() - 24 * 3600 * 1000),
  });
  if (refused.length === 0) return 0;
  const candidates = await db.trunk.findMany({
    where: {
      username: { in: refused.map((refusal) => refusal.username) },
      status: "ACTIVE",
      outboundSuspendedAt: null,
    },
    select: { id: true, username: true, capCountingSince: true },
  });
  let suspended = 0;
  for (const trunk of candidates) {
    const crossed = refused.find((refusal) => refusal.username === trunk.username);
    if (!crossed || crossed.at.getTime() < (trunk.capCountingSince?.getTime() ?? 0)) continue;
    if (await suspend(db, trunk.id, DAILY_CAP_REFUSALS[crossed.reason] as string)) suspended++;
  }
  return suspended;
}

async function suspend(db: Db, trunkId: string, reason: string): Promise<boolean> {
  return transaction(db, async (tx) => {
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
    await recordAudit(tx, SYSTEM_ACTOR, {
      action: "trunk.outbound-suspended",
      targetType: "trunk",
      targetId: trunkId,
      customerId: trunk.customerId,
      details: { reason },
    });
    return true;
  });
}
