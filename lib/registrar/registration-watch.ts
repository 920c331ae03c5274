import type { Db } from "../db";
import { emitWebhookEvent, trunkEventData } from "../webhooks/events";
import type { Registrar } from "./types";

/**
 * Notices PBXs registering and going away, for the trunk.registered and trunk.unregistered webhooks: compares the
 * registrar's live registrations with what each trunk last showed (Trunk.registeredSince) and records each change
 * with its event in one transaction. Runs every minute. Each change is claimed with a conditional update, so workers
 * running it at once announce it once.
 */
export async function watchRegistrations(db: Db, registrar: Registrar, now = new Date()) {
  const live = await registrar.registeredUsernames();
  if (live === null) return { registered: 0, unregistered: 0 };
  const select = { id: true, customerId: true, username: true, status: true, registeredSince: true } as const;
  const [appeared, gone] = await Promise.all([
    db.trunk.findMany({ where: { username: { in: live }, registeredSince: null }, select }),
    db.trunk.findMany({ where: { registeredSince: { not: null }, username: { notIn: live } }, select }),
  ]);
  let registered = 0;
  let unregistered = 0;
  for (const trunk of appeared) {
    await db.$transaction(async (tx) => {
      const claimed = await tx.trunk.updateMany({
        where: { id: trunk.id, registeredSince: null },
        data: { registeredSince: now },
      });
      if (claimed.count === 0) return;
      await emitWebhookEvent(tx, "trunk.registered", { ...trunkEventData(trunk), registeredSince: now.toISOString() });
      registered++;
    });
  }
  for (const trunk of gone) {
    await db.$transaction(async (tx) => {
      const claimed = await tx.trunk.updateMany({
        where: { id: trunk.id, registeredSince: trunk.registeredSince },
        data: { registeredSince: null },
      });
      if (claimed.count === 0) return;
      await emitWebhookEvent(tx, "trunk.unregistered", {
        ...trunkEventData(trunk),
        registeredSince: trunk.registeredSince?.toISOString() ?? null,
      });
      unregistered++;
    });
  }
  return { registered, unregistered };
}
