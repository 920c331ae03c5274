import { randomUUID } from "node:crypto";
import { seal } from "../credentials/encryption";
import { credentialKeyring } from "../credentials/keyring";
import type { Tx } from "../db";
import { enqueueJob, sharedJobSpecs } from "../jobs/queue";
import type { MailSecrets, StoredSlots } from "./secrets";
import type { RenderedMail } from "./templates";

export const SEND_MAIL_TASK = "mail.send";
export const mailJobKey = (mailId: string) => `mail:${mailId}`;
/** Failed sends are retried (5 s, 10 s, 20 s… at most 5 minutes apart) for three days, then the message is FAILED. */
export const MAIL_GIVE_UP_AFTER_MS = 3 * 24 * 60 * 60 * 1000;

export type OutgoingMail = RenderedMail & {
  kind: string;
  to: string;
  customerId?: string | null;
  trunkId?: string | null;
  secrets?: MailSecrets;
};

/** At most this many messages are sent by one job: its own, and other waiting ones it takes along. */
export const MAIL_BATCH_SIZE = 50;

/**
 * The send jobs of messages stored together: the credentials emails of trunks created together share one job per
 * MAIL_BATCH_SIZE. A message of a shared job that fails gets a keyed job of its own for its retry.
 */
export const mailJobSpecs = (mailIds: string[]) =>
  sharedJobSpecs(
    mailIds,
    MAIL_BATCH_SIZE,
    (mailId) => ({ payload: { mailId }, key: mailJobKey(mailId) }),
    (ids) => ({ mailIds: ids }),
  );

/**
 * Keeps a trunk's credentials emails that still wait (a retry after an SMTP outage, say) from ever going out: a newer
 * one replaces them (after a reset they hold the old password, and one sent last would leave the customer with it), or
 * the trunk is deleted. Their sealed secrets go too. One already being sent goes; its job finds nothing to send.
 */
export async function supersedeCredentialsMails(tx: Tx, trunkId: string) {
  await tx.$executeRaw`
    UPDATE "Mail" SET status = 'SUPERSEDED', "nextAttemptAt" = NULL, "secretsSealed" = NULL, "secretsKeyId" = NULL
    WHERE "trunkId" = ${trunkId} AND kind LIKE 'credentials.%' AND status = 'QUEUED'`;
}

/** The Mail row of a message: its secrets sealed, never stored in plaintext. Its send job is `mailJobKey(row.id)`. */
export function mailRow(mail: OutgoingMail) {
  const id = randomUUID();
  const sealed = mail.secrets ? seal(credentialKeyring(), JSON.stringify(mail.secrets), `mail:${id}`) : null;
  const domain = mail.to.split("@")[1] ?? "localhost";
  return {
    id,
    messageId: `<${id}@trunk-portal.${domain}>`,
    kind: mail.kind,
    to: mail.to,
    subject: mail.subject,
    text: mail.text.content,
    html: mail.html.content,
    secretSlots: { text: mail.text.slots, html: mail.html.slots } satisfies StoredSlots,
    secretsSealed: sealed?.ciphertext ?? null,
    secretsKeyId: sealed?.keyId ?? null,
    customerId: mail.customerId ?? null,
    trunkId: mail.trunkId ?? null,
  };
}

/**
 * The one way to send an email: stores it and queues its delivery in the caller's transaction, so it is sent if and
 * only if the change that caused it commits.
 */
export async function queueMail(tx: Tx, mail: OutgoingMail) {
  const row = await tx.mail.create({ data: mailRow(mail) });
  await enqueueJob(tx, SEND_MAIL_TASK, { mailId: row.id }, { jobKey: mailJobKey(row.id) });
  return row;
}
