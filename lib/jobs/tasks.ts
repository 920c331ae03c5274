import type { TaskList } from "graphile-worker";
import { queueDemoExpiryNotices } from "../customers/demo-expiry";
import type { Db } from "../db";
import { deliverMail } from "../mail/deliver";
import { SEND_MAIL_TASK } from "../mail/outbox";
import type { MailTransport } from "../mail/transport";
import { syncTrunk } from "../registrar/sync";
import type { Registrar } from "../registrar/types";
import { SYNC_TRUNK_TASK } from "../trunks/provision";

export const DEMO_EXPIRY_TASK = "customers_demo_expiry_notices";

/** Recurring jobs, in graphile-worker's crontab format. */
export const CRONTAB = `0 * * * * ${DEMO_EXPIRY_TASK}`;

export type WorkerDependencies = { db: Db; registrar: Registrar; transport: MailTransport; mailFrom: string };

/** Every background job the worker knows, by task name. */
export function jobTasks({ db, registrar, transport, mailFrom }: WorkerDependencies): TaskList {
  return {
    [SYNC_TRUNK_TASK]: async (payload, helpers) => {
      const { trunkId } = payload as { trunkId: string };
      await syncTrunk(db, registrar, trunkId, helpers.job.attempts);
    },
    [SEND_MAIL_TASK]: async (payload, helpers) => {
      const { mailId } = payload as { mailId: string };
      await deliverMail(db, transport, mailFrom, mailId, helpers.job.attempts);
    },
    [DEMO_EXPIRY_TASK]: async () => {
      await queueDemoExpiryNotices(db);
    },
  };
}
