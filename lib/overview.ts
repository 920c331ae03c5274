import { demoWhere } from "./customers";
import type { Db } from "./db";
import { FAILING_MAIL } from "./mail/mailbox";
import { syncStateCounts } from "./trunks/list";

/**
 * The numbers on the staff home page, each an indexed count: trunks per sync state (capped, see syncStateCounts),
 * demos ending within the week (demoExpiresAt index), failing mail (status index).
 */
export async function staffOverview(db: Db, options: { mail: boolean }) {
  const [sync, demosEnding, failingMail] = await Promise.all([
    syncStateCounts(db),
    db.customer.count({ where: demoWhere("ending", new Date()) ?? {} }),
    options.mail ? db.mail.count({ where: FAILING_MAIL }) : null,
  ]);
  return { sync, failingSyncs: sync.FAILED + sync.NEEDS_ATTENTION, demosEnding, failingMail };
}
