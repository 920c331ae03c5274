import { open } from "../credentials/encryption";
import { credentialKeyring } from "../credentials/keyring";
import { type Db, sqlRows } from "../db";
import { type Mail, Prisma } from "../generated/prisma/client";
import { retryLater } from "../jobs/queue";
import { MAIL_GIVE_UP_AFTER_MS, mailJobKey, SEND_MAIL_TASK } from "./queue";
import { escapeHtml, type MailSecrets, mergeSecrets, storedBodies } from "./secrets";
import type { MailTransport } from "./transport";

/**
 * Sends queued messages. State machine: QUEUED → SENDING (committed before the SMTP conversation) → SENT.
 * A message found in SENDING was interrupted mid-send; it is sent again with the same Message-ID, which receiving
 * systems use to recognise the duplicate. A failed attempt goes back to QUEUED with its next attempt queued (backoff
 * capped at minutes, lib/jobs/queue.ts) until the message is three days old, then it is FAILED.
 */
export type DeliveryOutcome =
  | { outcome: "sent" | "nothing-to-send" }
  | { outcome: "gave-up"; error: string }
  | { outcome: "failed"; error: string; nextAttemptAt: Date };

/**
 * A job that takes other messages along locks their jobs for its own worker, as graphile-worker does when it hands
 * a worker a job (locked_by, locked_at, one more attempt), and removes them once each message's outcome is recorded:
 * should the worker die in between, they are released with its own job (lib/jobs/worker.ts) and run again, sending
 * what was interrupted.
 */
type ClaimedMail = Mail & { jobId: string | null };

/**
 * Claims the job's own messages (QUEUED, or SENDING: interrupted) and up to `alsoQueued` other QUEUED messages whose
 * jobs are due and not running, in one statement. Claimers skip each other's rows (SKIP LOCKED: no waiting, so no
 * deadlock between them), a job a worker has picked up is never taken along, and a message is claimed once: its row
 * goes to SENDING. Each due job leads to its message by primary key (the id after the key's "mail:"; joined on the key's
 * text alone, every due job was compared with every queued message: quadratic in a burst of new trunks).
 */
function claimMail(db: Db, mailIds: string[], alsoQueued: number, workerId: string) {
  return sqlRows<ClaimedMail>(
    db,
    Prisma.sql`
      WITH
      candidate AS (
        SELECT j.id FROM graphile_worker.jobs j JOIN "Mail" m ON m.id = substr(j.key, 6) AND j.key = 'mail:' || m.id
        WHERE j.task_identifier = ${SEND_MAIL_TASK} AND j.locked_at IS NULL AND j.run_at <= now()
          AND m.status = 'QUEUED' AND m.id <> ALL(${mailIds}::text[])
        LIMIT ${alsoQueued}
        FOR UPDATE OF m SKIP LOCKED),
      taken AS (
        UPDATE graphile_worker._private_jobs j SET locked_by = ${workerId}, locked_at = now(), attempts = j.attempts + 1
        FROM candidate WHERE j.id = candidate.id AND j.locked_at IS NULL
        RETURNING j.id AS "jobId", j.payload->>'mailId' AS "mailId")
      UPDATE "Mail" m SET status = 'SENDING', attempts = m.attempts + 1
      FROM (SELECT id, NULL::bigint AS "jobId" FROM unnest(${mailIds}::text[]) AS id
            UNION ALL SELECT "mailId", "jobId" FROM taken) c
      WHERE m.id = c.id AND (m.status = 'QUEUED' OR (c."jobId" IS NULL AND m.status = 'SENDING'))
      RETURNING m.*, c."jobId"::text AS "jobId"`,
    "claim-mail",
  );
}

/** Sends one claimed message; on failure records it and queues the next attempt (or gives up). */
async function sendClaimed(
  db: Db,
  transport: MailTransport,
  from: string,
  mail: ClaimedMail,
): Promise<DeliveryOutcome> {
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
    return { outcome: "sent" };
  } catch (error) {
    const lastError = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    const mailId = mail.id;
    return db.$transaction(async (tx): Promise<DeliveryOutcome> => {
      // A message taken along gets its own job back, at the time of its next attempt.
      if (mail.jobId) await tx.$executeRaw`DELETE FROM graphile_worker._private_jobs WHERE id = ${mail.jobId}::bigint`;
      if (Date.now() - mail.createdAt.getTime() >= MAIL_GIVE_UP_AFTER_MS) {
        await tx.mail.update({ where: { id: mailId }, data: { status: "FAILED", lastError, nextAttemptAt: null } });
        return { outcome: "gave-up", error: lastError };
      }
      const nextAttemptAt = await retryLater(tx, SEND_MAIL_TASK, { mailId }, mailJobKey(mailId), mail.attempts);
      await tx.mail.update({ where: { id: mailId }, data: { status: "QUEUED", lastError, nextAttemptAt } });
      return { outcome: "failed", error: lastError, nextAttemptAt };
    });
  }
}

/**
 * Sends the job's own messages and, with `alsoQueued`, other waiting ones along (their jobs are removed once they are
 * sent): a burst of new trunks' credentials costs a few jobs instead of one each. `workerId` is the worker running
 * the job (graphile-worker's locked_by), for whom the others' jobs are locked. Returns each message's outcome.
 */
export async function deliverMail(
  db: Db,
  transport: MailTransport,
  from: string,
  mailIds: string[],
  along: { alsoQueued: number; workerId: string } = { alsoQueued: 0, workerId: "" },
): Promise<Map<string, DeliveryOutcome>> {
  const { workerId } = along;
  const outcomes = new Map<string, DeliveryOutcome>(mailIds.map((id) => [id, { outcome: "nothing-to-send" }]));
  const claimed = await claimMail(db, mailIds, along.alsoQueued, workerId);
  try {
    await sendAll(db, transport, from, claimed, outcomes, workerId);
  } catch (error) {
    // The database failed mid-batch: the jobs taken along are released now, not only when this worker stops, so any
    // worker sends what they hold (interrupted sends again, under the same Message-ID). This job is retried.
    const taken = claimed.flatMap((mail) => (mail.jobId ? [mail.jobId] : []));
    await sqlRows(
      db,
      Prisma.sql`UPDATE graphile_worker._private_jobs SET locked_by = NULL, locked_at = NULL
                 WHERE id = ANY(${taken}::bigint[]) AND locked_by = ${workerId}`,
    ).catch(() => {});
    throw error;
  }
  return outcomes;
}

async function sendAll(
  db: Db,
  transport: MailTransport,
  from: string,
  claimed: ClaimedMail[],
  outcomes: Map<string, DeliveryOutcome>,
  workerId: string,
) {
  for (const mail of claimed) outcomes.set(mail.id, await sendClaimed(db, transport, from, mail));
  const sent = claimed.filter((mail) => outcomes.get(mail.id)?.outcome === "sent");
  if (sent.length === 0) return;
  // Secrets are only kept for the local mailbox, where staff may need them (audited) because nothing left the
  // machine; after a real delivery nothing can use them any more. The taken-along jobs go in the same statement.
  await sqlRows(
    db,
    Prisma.sql`
      WITH sent AS (
        UPDATE "Mail" SET status = 'SENT', "sentAt" = ${new Date()}, "lastError" = NULL, "nextAttemptAt" = NULL
               ${transport.kind === "smtp" ? Prisma.sql`, "secretsSealed" = NULL, "secretsKeyId" = NULL` : Prisma.empty}
        WHERE id = ANY(${sent.map((mail) => mail.id)}::text[])
        RETURNING id),
      done AS (
        DELETE FROM graphile_worker._private_jobs
        WHERE id = ANY(${sent.flatMap((mail) => (mail.jobId ? [mail.jobId] : []))}::bigint[]) AND locked_by = ${workerId}
        RETURNING id)
      SELECT (SELECT count(*) FROM sent) AS sent, (SELECT count(*) FROM done) AS done`,
    `mail-sent-${transport.kind}`,
  );
}
