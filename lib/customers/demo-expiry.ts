import { recordAudit, SYSTEM_ACTOR } from "../audit/log";
import { type Db, transaction } from "../db";
import { demoEndedMail, demoExpiringMail } from "../mail/templates";
import { getProviderSettings } from "../settings";
import { lockCustomerTrunks, requestTrunkSync } from "../trunks/provision";
import { emitWebhookEvent } from "../webhooks/events";
import { queueDemoMail } from "./demo";
import { lockCustomer } from "./index";

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Queues the "demo ends soon" email for active demos ending within the provider's reminder period, once per demo
 * period (extending a demo clears the mark). Runs hourly; safe to run on several workers at once.
 */
export async function queueDemoReminders(db: Db, now = new Date()) {
  const { demoReminderDays } = await getProviderSettings(db);
  const due = await db.customer.findMany({
    where: {
      isDemo: true,
      status: "ACTIVE",
      demoNoticeAt: null,
      demoExpiresAt: { gt: now, lte: new Date(now.getTime() + demoReminderDays * DAY_MS) },
    },
    select: { id: true },
  });
  let queued = 0;
  for (const { id } of due) {
    await db.$transaction(async (tx) => {
      // Claim the customer first, so two workers running this at once send one email.
      const claimed = await tx.customer.updateMany({ where: { id, demoNoticeAt: null }, data: { demoNoticeAt: now } });
      if (claimed.count === 0) return;
      const customer = await tx.customer.findUniqueOrThrow({ where: { id } });
      await queueDemoMail(tx, customer, "demo.expiring", (about) =>
        demoExpiringMail({ ...about, expiresAt: customer.demoExpiresAt ?? now }),
      );
      await emitWebhookEvent(tx, "demo.expiring", {
        customer: { id: customer.id, company: customer.company },
        expiresAt: customer.demoExpiresAt?.toISOString() ?? null,
      });
      queued++;
    });
  }
  return queued;
}

/**
 * Ends every demo whose end has passed: its active trunks are disabled (with the reason recorded, and marked as
 * disabled by expiry so an extension re-enables exactly those), synced off the registrar, the customer is emailed
 * and the audit log records it as a system action. Runs every minute; safe to run repeatedly and on several
 * workers at once (each demo is ended once, under its row lock).
 */
export async function expireDemos(db: Db, now = new Date()) {
  const due = await db.customer.findMany({
    where: { isDemo: true, demoExpiredAt: null, demoExpiresAt: { lte: now } },
    select: { id: true },
    orderBy: { demoExpiresAt: "asc" },
  });
  let ended = 0;
  for (const { id } of due) if (await expireDemo(db, id, now)) ended++;
  return ended;
}

async function expireDemo(db: Db, customerId: string, now: Date): Promise<boolean> {
  return transaction(db, async (tx) => {
    const customer = await lockCustomer(tx, customerId);
    // Checked again under the lock: another worker, an extension or a conversion may have come first.
    const endsAt = customer.demoExpiresAt;
    if (!customer.isDemo || customer.demoExpiredAt || !endsAt || endsAt > now) return false;
    const reason = `Demo ended on ${endsAt.toISOString().slice(0, 10)}`;
    const trunks = await lockCustomerTrunks(tx, customerId, { status: "ACTIVE" });
    for (const trunk of trunks) {
      await tx.trunk.update({
        where: { id: trunk.id },
        data: { status: "DISABLED", statusReason: reason, disabledByDemoExpiry: true },
      });
      await requestTrunkSync(tx, trunk.id);
    }
    await tx.customer.update({ where: { id: customerId }, data: { demoExpiredAt: now } });
    const usernames = trunks.map((trunk) => trunk.username);
    await queueDemoMail(tx, customer, "demo.ended", (about) => demoEndedMail({ ...about, usernames }));
    await recordAudit(tx, SYSTEM_ACTOR, {
      action: "demo.expire",
      targetType: "customer",
      targetId: customerId,
      customerId,
      details: { demoExpiresAt: endsAt.toISOString(), disabledTrunks: usernames },
    });
    await emitWebhookEvent(tx, "demo.expired", {
      customer: { id: customerId, company: customer.company },
      expiredAt: endsAt.toISOString(),
      disabledTrunks: trunks.map((trunk) => ({ id: trunk.id, username: trunk.username })),
    });
    return true;
  });
}
