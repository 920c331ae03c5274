import { open } from "../credentials/encryption";
import { credentialKeyring } from "../credentials/keyring";
import type { Db } from "../db";
import { nextRetryAt } from "../jobs/queue";
import { MAIL_MAX_ATTEMPTS } from "./outbox";
import { escapeHtml, type MailSecrets, mergeSecrets, storedBodies } from "./secrets";
import type { MailTransport } from "./transport";

/**
 * Sends one queued message. State machine: QUEUED → SENDING (committed before the SMTP conversation) → SENT.
 * A message found in SENDING was interrupted mid-send; it is sent again with the same Message-ID, which receiving
 * systems use to recognise the duplicate. Throws on failure so the queue retries with backoff.
 */
export async function deliverMail(db: Db, transport: MailTransport, from: string, mailId: string, attempt: number) {
  const mail = await db.mail.findUnique({ where: { id: mailId } });
  if (!mail || mail.status === "SENT") return;
  await db.mail.update({ where: { id: mailId }, data: { status: "SENDING", attempts: attempt } });
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
    const message = error instanceof Error ? error.message : String(error);
    const final = attempt >= MAIL_MAX_ATTEMPTS;
    await db.mail.update({
      where: { id: mailId },
      data: {
        status: final ? "FAILED" : "QUEUED",
        lastError: message.slice(0, 500),
        nextAttemptAt: final ? null : nextRetryAt(attempt),
      },
    });
    throw error;
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
}
