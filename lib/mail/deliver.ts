import { open } from "../credentials/encryption";
import { credentialKeyring } from "../credentials/keyring";
import type { Db } from "../db";
import { retryLater } from "../jobs/queue";
import { MAIL_GIVE_UP_AFTER_MS, mailJobKey, SEND_MAIL_TASK } from "./queue";
import { escapeHtml, type MailSecrets, mergeSecrets, storedBodies } from "./secrets";
import type { MailTransport } from "./transport";

/**
 * Sends one queued message. State machine: QUEUED → SENDING (committed before the SMTP conversation) → SENT.
 * A message found in SENDING was interrupted mid-send; it is sent again with the same Message-ID, which receiving
 * systems use to recognise the duplicate. A failed attempt goes back to QUEUED with its next attempt queued (backoff
 * capped at minutes, lib/jobs/queue.ts) until the message is three days old, then it is FAILED.
 */
export type DeliveryOutcome =
  | { outcome: "sent" | "nothing-to-send" }
  | { outcome: "gave-up"; error: string }
  | { outcome: "failed"; error: string; nextAttemptAt: Date };

export async function deliverMail(
  db: Db,
  transport: MailTransport,
  from: string,
  mailId: string,
): Promise<DeliveryOutcome> {
  const mail = await db.mail.findUnique({ where: { id: mailId } });
  if (!mail || mail.status === "SENT" || mail.status === "FAILED") return { outcome: "nothing-to-send" };
  const { attempts } = await db.mail.update({
    where: { id: mailId },
    data: { status: "SENDING", attempts: { increment: 1 } },
  });
  try {
    const secrets: MailSecrets =
      mail.secretsSealed && mail.secretsKeyId
        ? JSON.parse(
            open(credentialKeyring(), { ciphertext: mail.secretsSealed, keyId: mail.secretsKeyId }, `mail:${mail.id}`),
          )
        : {};
    const bodies = storedBodies(mail);
    await transport.send({
      from,
      to: mail.to,
      subject: mail.subject,
      text: mergeSecrets(bodies.text, secrets),
      html: mergeSecrets(bodies.html, secrets, escapeHtml),
      messageId: mail.messageId,
    });
  } catch (error) {
    const lastError = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    if (Date.now() - mail.createdAt.getTime() >= MAIL_GIVE_UP_AFTER_MS) {
      await db.mail.update({ where: { id: mailId }, data: { status: "FAILED", lastError, nextAttemptAt: null } });
      return { outcome: "gave-up", error: lastError };
    }
    const nextAttemptAt = await db.$transaction(async (tx) => {
      const runAt = await retryLater(tx, SEND_MAIL_TASK, { mailId }, mailJobKey(mailId), attempts);
      await tx.mail.update({ where: { id: mailId }, data: { status: "QUEUED", lastError, nextAttemptAt: runAt } });
      return runAt;
    });
    return { outcome: "failed", error: lastError, nextAttemptAt };
  }
  // Secrets are only kept for the local mailbox, where staff may need them (audited) because nothing left the
  // machine; after a real delivery nothing can use them any more.
  await db.mail.update({
    where: { id: mailId },
    data: {
      status: "SENT",
      sentAt: new Date(),
      lastError: null,
      nextAttemptAt: null,
      ...(transport.kind === "smtp" ? { secretsSealed: null, secretsKeyId: null } : {}),
    },
  });
  return { outcome: "sent" };
}
