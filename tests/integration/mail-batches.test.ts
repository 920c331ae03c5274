/**
 * A mail job takes other waiting messages along (a burst of new trunks' credentials): each message still gets exactly
 * its own delivery and outcome, a failure of one does not touch the others, and a worker that dies mid-batch loses
 * none of the messages it took along.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Db } from "../../lib/db";
import { deliverMail } from "../../lib/mail/deliver";
import { mailJobKey, queueMail, SEND_MAIL_TASK } from "../../lib/mail/queue";
import { mailBody, secret } from "../../lib/mail/secrets";
import { createMailTransport, type MailTransport, type OutgoingMessage } from "../../lib/mail/transport";
import {
  createActor,
  createPortalDatabase,
  createTrunkBatch,
  startTestWorker,
  takeQueuedJobs,
  waitForQueueToDrain,
} from "../support/portal";
import { TestSmtpServer } from "../support/smtp";

let db: Db;
let url: string;

beforeAll(async () => {
  ({ db, url } = await createPortalDatabase("mail_batches"));
});
afterAll(async () => {
  await db?.$disconnect();
});

/** Queues one message per address, each in its own transaction (as separate trunk creations do). */
async function queueMessages(addresses: string[]) {
  const ids: string[] = [];
  for (const to of addresses) {
    const row = await db.$transaction((tx) =>
      queueMail(tx, {
        kind: "test",
        to,
        subject: `For ${to}`,
        text: mailBody(["Your password: ", secret("password")]),
        html: mailBody(["<p>Your password: ", secret("password"), "</p>"]),
        secrets: { password: `pw-of-${to}` },
      }),
    );
    ids.push(row.id);
  }
  return ids;
}

/** What graphile-worker does when it hands `workerId` the message's job. */
async function pickUp(mailId: string, workerId: string) {
  await db.$executeRaw`
    UPDATE graphile_worker._private_jobs SET locked_by = ${workerId}, locked_at = now(), attempts = attempts + 1
    WHERE key = ${mailJobKey(mailId)}`;
}

const jobsOf = (ids: string[]) =>
  db.$queryRaw<{ key: string; locked_by: string | null; run_at: Date }[]>`
    SELECT key, locked_by, run_at FROM graphile_worker.jobs
    WHERE task_identifier = ${SEND_MAIL_TASK} AND key = ANY(${ids.map(mailJobKey)}::text[])`;

describe("the credentials emails of trunks created together", () => {
  it("share one job, which sends each of them once; a failing one gets a job of its own for its retry", async () => {
    const sales = await createActor(db, "SALES");
    const server = await db.sipServer.create({
      data: { hostname: "Sip.Batch.example", realm: "sip.batch.example", label: "x" },
    });
    const created = await createTrunkBatch(db, sales, server.id, "Batch Mail Co", 3);
    const trunkIds = created.map((trunk) => trunk.id);
    const mails = await db.mail.findMany({ where: { trunkId: { in: trunkIds } }, orderBy: { trunkId: "asc" } });
    const jobs = await takeQueuedJobs<{ mailIds?: string[] }>(db, SEND_MAIL_TASK);
    expect(jobs).toHaveLength(1);
    expect([...(jobs[0]?.mailIds ?? [])].sort()).toEqual(mails.map((mail) => mail.id).sort());

    // The second message sent fails; the job goes on with the third.
    let sends = 0;
    const transport: MailTransport = {
      kind: "smtp",
      async send() {
        if (++sends === 2) throw new Error("451 try again later");
      },
    };
    const outcomes = await deliverMail(db, transport, "Portal <portal@test.example>", jobs[0]?.mailIds ?? [], {
      alsoQueued: 0,
      workerId: "worker-batch",
    });
    const states = await db.mail.findMany({ where: { id: { in: mails.map((mail) => mail.id) } } });
    const failed = states.filter((mail) => mail.status === "QUEUED");
    expect(states.filter((mail) => mail.status === "SENT")).toHaveLength(2);
    expect(failed).toHaveLength(1);
    expect(outcomes.get(failed[0]?.id ?? "")).toMatchObject({ outcome: "failed", error: "451 try again later" });
    const retries = await jobsOf(mails.map((mail) => mail.id));
    expect(retries).toEqual([expect.objectContaining({ key: mailJobKey(failed[0]?.id ?? ""), locked_by: null })]);
    expect(retries[0]?.run_at.getTime()).toBe(failed[0]?.nextAttemptAt?.getTime());
  });
});

describe("a mail job that takes other messages along", () => {
  it("sends each message once with its own secrets, and a failing one does not hold up the others", async () => {
    const ids = await queueMessages(["a@batch.example", "bounce@batch.example", "c@batch.example"]);
    const [own, bouncing, other] = ids as [string, string, string];
    await pickUp(own, "worker-a");
    const sent: OutgoingMessage[] = [];
    const transport: MailTransport = {
      kind: "smtp",
      async send(message) {
        if (message.to.startsWith("bounce@")) throw new Error("550 mailbox unavailable");
        sent.push(message);
      },
    };

    const outcomes = await deliverMail(db, transport, "Portal <portal@test.example>", [own], {
      alsoQueued: 10,
      workerId: "worker-a",
    });

    expect(outcomes.get(own)).toEqual({ outcome: "sent" });
    expect(outcomes.get(other)).toEqual({ outcome: "sent" });
    expect(outcomes.get(bouncing)).toMatchObject({ outcome: "failed", error: "550 mailbox unavailable" });
    // Each delivered once, with its own secret merged in.
    expect(sent.map((message) => [message.to, message.text]).sort()).toEqual([
      ["a@batch.example", "Your password: pw-of-a@batch.example"],
      ["c@batch.example", "Your password: pw-of-c@batch.example"],
    ]);
    const rows = await db.mail.findMany({ where: { id: { in: ids } } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get(own)?.status).toBe("SENT");
    expect(byId.get(other)?.status).toBe("SENT");
    expect(byId.get(bouncing)).toMatchObject({ status: "QUEUED", attempts: 1, lastError: "550 mailbox unavailable" });
    // The message taken along and sent has no job left; the failed one has a job of its own again, at its retry
    // time, free for any worker; the job's own job is the worker's to complete.
    const jobs = new Map((await jobsOf(ids)).map((job) => [job.key, job]));
    expect(jobs.has(mailJobKey(other))).toBe(false);
    expect(jobs.get(mailJobKey(bouncing))).toMatchObject({ locked_by: null });
    expect(jobs.get(mailJobKey(bouncing))?.run_at.getTime()).toBe(byId.get(bouncing)?.nextAttemptAt?.getTime());
    expect(jobs.get(mailJobKey(own))?.locked_by).toBe("worker-a");
  });

  it("never takes along a message whose job another worker is running", async () => {
    const [own, running] = (await queueMessages(["d@batch.example", "e@batch.example"])) as [string, string];
    await pickUp(own, "worker-d");
    await pickUp(running, "worker-e");
    const sent: string[] = [];
    const transport: MailTransport = { kind: "smtp", send: async (message) => void sent.push(message.to) };
    const outcomes = await deliverMail(db, transport, "Portal <portal@test.example>", [own], {
      alsoQueued: 10,
      workerId: "worker-d",
    });
    expect([...outcomes.keys()]).toEqual([own]);
    expect(sent).toEqual(["d@batch.example"]);
    expect((await db.mail.findUniqueOrThrow({ where: { id: running } })).status).toBe("QUEUED");
  });

  it("loses nothing when its worker dies mid-batch: the messages it took along are sent by another worker", async () => {
    const ids = await queueMessages(["f@batch.example", "g@batch.example", "h@batch.example"]);
    const [own] = ids as [string];
    // A worker that never beats its heartbeat picks the first job up, claims the others and hangs in the first
    // send, as a process killed at that moment would leave it.
    await pickUp(own, "worker-killed");
    let sending: () => void = () => {};
    const stuck = new Promise<void>((resolve) => {
      sending = resolve;
    });
    const hanging: MailTransport = {
      kind: "smtp",
      send: () => {
        sending();
        return new Promise<void>(() => {});
      },
    };
    void deliverMail(db, hanging, "Portal <portal@test.example>", [own], { alsoQueued: 10, workerId: "worker-killed" });
    await stuck;
    expect(new Set((await db.mail.findMany({ where: { id: { in: ids } } })).map((mail) => mail.status))).toEqual(
      new Set(["SENDING"]),
    );
    expect((await jobsOf(ids)).map((job) => job.locked_by)).toEqual(Array(3).fill("worker-killed"));

    const smtp = await new TestSmtpServer().start();
    const survivor = await startTestWorker({ db, url, smtpUrl: smtp.url, staleAfterMs: 2000 });
    try {
      await waitForQueueToDrain(db, SEND_MAIL_TASK);
      // (Earlier tests' leftovers are delivered too: the message another worker held, the retry of the bounce.)
      const mine = ["f@batch.example", "g@batch.example", "h@batch.example"];
      expect(
        smtp.received
          .map((message) => message.to)
          .filter((to) => mine.includes(to))
          .sort(),
      ).toEqual(["f@batch.example", "g@batch.example", "h@batch.example"]);
      const rows = await db.mail.findMany({ where: { id: { in: ids } } });
      expect(rows.map((row) => row.status)).toEqual(["SENT", "SENT", "SENT"]);
    } finally {
      await survivor.stop();
      await smtp.stop();
    }
  });
});

describe("a mail job whose database fails mid-batch", () => {
  it("releases the jobs it took along at once, so another worker sends them without waiting for it to die", async () => {
    const addresses = ["own@db-failure.example", "along-1@db-failure.example", "along-2@db-failure.example"];
    const ids = await queueMessages(addresses);
    const [own, ...along] = ids as [string, ...string[]];
    await pickUp(own, "worker-db-fails");
    // The database refuses to record these messages as sent: the batch fails after every send went out.
    await db.$executeRawUnsafe(`
      CREATE FUNCTION refuse_sent_for_db_failure() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status = 'SENT' AND NEW."to" LIKE '%@db-failure.example' THEN
          RAISE EXCEPTION 'the database failed mid-batch';
        END IF;
        RETURN NEW;
      END $$`);
    await db.$executeRawUnsafe(`
      CREATE TRIGGER refuse_sent_for_db_failure BEFORE UPDATE ON "Mail"
      FOR EACH ROW EXECUTE FUNCTION refuse_sent_for_db_failure()`);
    const smtp = await new TestSmtpServer().start();
    try {
      await expect(
        deliverMail(db, createMailTransport(smtp.url), "Portal <portal@test.example>", [own], {
          alsoQueued: 10,
          workerId: "worker-db-fails",
        }),
      ).rejects.toThrow(/the database failed mid-batch/);
      await db.$executeRawUnsafe(`DROP TRIGGER refuse_sent_for_db_failure ON "Mail"`);
      await db.$executeRawUnsafe(`DROP FUNCTION refuse_sent_for_db_failure()`);
      // Every message went out once, over real SMTP, and the batch took the other two along.
      expect(
        smtp.received
          .map((message) => message.to)
          .filter((to) => addresses.includes(to))
          .sort(),
      ).toEqual([...addresses].sort());

      // The jobs taken along are free at once; the job's own one stays with its worker, which graphile-worker
      // retries when the task throws (here the worker is only simulated, so it stays locked).
      const jobs = new Map((await jobsOf(ids)).map((job) => [job.key, job]));
      for (const id of along) expect(jobs.get(mailJobKey(id))?.locked_by).toBeNull();
      expect(jobs.get(mailJobKey(own))?.locked_by).toBe("worker-db-fails");

      // A live worker runs them now (well before its release of a dead worker's jobs, 30 s by default), sending each
      // again under the same Message-ID (an interrupted send), and records them SENT.
      const survivor = await startTestWorker({ db, url, smtpUrl: smtp.url });
      try {
        await vi.waitFor(
          async () => {
            const rows = await db.mail.findMany({ where: { id: { in: along } } });
            expect(rows.map((row) => row.status)).toEqual(["SENT", "SENT"]);
          },
          { timeout: 20_000, interval: 100 },
        );
      } finally {
        await survivor.stop();
      }
      for (const to of addresses.slice(1)) {
        const copies = smtp.received.filter((message) => message.to === to);
        expect(copies).toHaveLength(2);
        expect(copies[1]?.messageId).toBe(copies[0]?.messageId);
      }
      expect((await jobsOf(ids)).map((job) => job.key)).toEqual([mailJobKey(own)]);
    } finally {
      await db.$executeRawUnsafe(`DROP TRIGGER IF EXISTS refuse_sent_for_db_failure ON "Mail"`);
      await db.$executeRawUnsafe(`DROP FUNCTION IF EXISTS refuse_sent_for_db_failure()`);
      await smtp.stop();
    }
  });
});
