import type { Db } from "../db";
import { queueMail } from "../mail/outbox";
import { demoExpiringMail } from "../mail/templates";
import { getProviderSettings } from "../settings";

export const DEMO_NOTICE_DAYS = 3;

/** Queues the "demo ends soon" email for demos ending within 3 days, once per demo period. Runs hourly. */
export async function queueDemoExpiryNotices(db: Db, now = new Date()) {
  const soon = new Date(now.getTime() + DEMO_NOTICE_DAYS * 24 * 60 * 60 * 1000);
  const due = await db.customer.findMany({
    where: { isDemo: true, status: "ACTIVE", demoNoticeAt: null, demoExpiresAt: { gt: now, lte: soon } },
    select: { id: true },
  });
  for (const { id } of due) {
    await db.$transaction(async (tx) => {
      // Claim the customer first, so two workers running this at once send one email.
      const claimed = await tx.customer.updateMany({ where: { id, demoNoticeAt: null }, data: { demoNoticeAt: now } });
      if (claimed.count === 0) return;
      const [customer, provider] = await Promise.all([
        tx.customer.findUniqueOrThrow({ where: { id } }),
        getProviderSettings(tx),
      ]);
      await queueMail(tx, {
        ...demoExpiringMail({
          provider,
          contactName: customer.contactName,
          company: customer.company,
          expiresAt: customer.demoExpiresAt ?? now,
        }),
        kind: "demo.expiring",
        to: customer.contactEmail,
        customerId: id,
      });
    });
  }
  return due.length;
}
