import { z } from "zod";
import { recordAudit } from "../audit/log";
import { PASSWORD_RESET_MAIL_KIND } from "../auth/password-reset";
import { defineCommand } from "../commands";
import { open } from "../credentials/encryption";
import { credentialKeyring } from "../credentials/keyring";
import type { Db } from "../db";
import { env } from "../env";
import { ConflictError, NotFoundError } from "../errors";
import type { Prisma } from "../generated/prisma/client";
import { id, isId } from "../validation";
import { mergeSecrets, storedBodies } from "./secrets";

// The sent mail as staff see it: the list, one message, and (in the local mailbox only) a message with its secrets.

/** Messages whose delivery has a problem: given up (FAILED), or waiting for another attempt after an error. */
export const FAILING_MAIL: Prisma.MailWhereInput = {
  OR: [{ status: "FAILED" }, { status: "QUEUED", lastError: { not: null } }],
};

export async function listMail(db: Db, { take = 100, failing = false } = {}) {
  return db.mail.findMany({
    where: failing ? FAILING_MAIL : {},
    orderBy: { createdAt: "desc" },
    take,
    select: {
      id: true,
      kind: true,
      to: true,
      subject: true,
      status: true,
      attempts: true,
      lastError: true,
      nextAttemptAt: true,
      sentAt: true,
      createdAt: true,
      customerId: true,
    },
  });
}

export async function getMail(db: Db, mailId: string) {
  if (!isId(mailId)) throw new NotFoundError("Message");
  const mail = await db.mail.findUnique({ where: { id: mailId } });
  if (!mail) throw new NotFoundError("Message");
  return mail;
}

/** True when mail stays in the portal's own mailbox (no SMTP_URL): the quick start's stand-in for a mail server. */
export const usesLocalMailbox = () => !env().SMTP_URL;

/** A staff password reset link is never shown to other staff: it would let them take over that account. */
export const mailboxMayShowSecrets = (kind: string) => kind !== PASSWORD_RESET_MAIL_KIND;

/**
 * In the local mailbox only, staff can read a message with its links filled in (e.g. to sign in as a demo customer
 * without a mail server). Audited like a password reveal.
 */
export const readMailboxMessage = defineCommand({
  name: "mail.read-secrets",
  permission: "mail:view",
  input: z.object({ mailId: id }),
  async run(ctx, { mailId }) {
    const mail = await getMail(ctx.db, mailId);
    if (!usesLocalMailbox() || !mail.secretsSealed || !mail.secretsKeyId || !mailboxMayShowSecrets(mail.kind)) {
      throw new ConflictError("This message's links and passwords were delivered to the recipient only.");
    }
    await recordAudit(ctx.db, ctx, {
      action: "mail.read-secrets",
      targetType: "mail",
      targetId: mailId,
      customerId: mail.customerId,
      details: { kind: mail.kind, to: mail.to },
    });
    const secrets = JSON.parse(
      open(credentialKeyring(), { ciphertext: mail.secretsSealed, keyId: mail.secretsKeyId }, `mail:${mail.id}`),
    );
    return { text: mergeSecrets(storedBodies(mail).text, secrets) };
  },
});
