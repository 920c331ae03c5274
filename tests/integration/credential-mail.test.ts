import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeCommand } from "../../lib/commands";
import { createDemoAccount } from "../../lib/customers";
import type { Db } from "../../lib/db";
import { SEND_MAIL_TASK } from "../../lib/mail/queue";
import { openRevealLink } from "../../lib/portal";
import {
  deleteTrunk,
  resendCredentials,
  resetTrunkPassword,
  revealTrunkPassword,
  setTrunkStatus,
} from "../../lib/trunks";
import { contextFor, createActor, createPortalDatabase, startTestWorker, waitForQueueToDrain } from "../support/portal";
import { TestSmtpServer } from "../support/smtp";

const HOST = "Sip1.CelitoVoice.example";
let db: Db;
let url: string;
let smtp: TestSmtpServer;
let worker: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  ({ db, url } = await createPortalDatabase("mail"));
  await db.sipServer.create({ data: { hostname: HOST, realm: "sip1.celitovoice.example", label: "US" } });
  smtp = await new TestSmtpServer().start();
  worker = await startTestWorker({ db, url, smtpUrl: smtp.url });
});
afterAll(async () => {
  await worker?.stop();
  await smtp?.stop();
  await db?.$disconnect();
});

async function demo(company: string) {
  const sales = await createActor(db, "SALES");
  const result = await executeCommand(createDemoAccount, contextFor(db, sales), {
    company,
    contactName: "Pat Customer",
    contactEmail: `${company.toLowerCase().replace(/\W/g, "")}@customer.example`,
  });
  if (!result.ok) throw new Error(result.formError);
  return result.value;
}

const revealToken = (text: string) => text.match(/\/reveal\/([A-Za-z0-9_-]+)/)?.[1] ?? "";

describe("the credentials email", () => {
  it("arrives with the exact server spelling, the settings in words, a one-time link and no password", async () => {
    const { trunk, customer } = await demo("Exact Case Inc");
    const [mail] = (await smtp.waitFor((mails) => mails.some((m) => m.to === customer.contactEmail))).filter(
      (m) => m.to === customer.contactEmail,
    );
    expect(mail?.subject).toBe("Your SIP trunk is ready");
    expect(mail?.text).toContain(`SIP server: ${HOST}`);
    expect(mail?.text).not.toContain(HOST.toLowerCase());
    expect(mail?.html).toMatch(new RegExp(`<code[^>]*font-family:Consolas[^>]*>${HOST.replaceAll(".", "\\.")}</code>`));
    expect(mail?.text).toContain("case-sensitive");
    expect(mail?.text).toContain(`SIP username: ${trunk.username}`);
    expect(mail?.text).toContain("5 concurrent calls");
    expect(mail?.text).toContain("Calls to US numbers only.");
    expect(mail?.text).toContain("Every outbound call, 911 included, shows +12025550100");
    expect(mail?.text).toMatch(/Setting up your PBX/);

    const support = await createActor(db, "SUPPORT");
    const revealed = await executeCommand(revealTrunkPassword, contextFor(db, support), { trunkId: trunk.id });
    if (!revealed.ok) throw new Error("reveal failed");
    expect(mail?.text).not.toContain(revealed.value.password);
    expect(mail?.html).not.toContain(revealed.value.password);

    // The stored copy holds no usable link either: only its sealed form until it was sent.
    const stored = await db.mail.findFirstOrThrow({ where: { trunkId: trunk.id } });
    expect(stored.status).toBe("SENT");
    expect(stored.secretsSealed).toBeNull();
    expect(stored.text).not.toContain(revealToken(mail?.text ?? ""));

    // The link shows the password exactly once.
    const token = revealToken(mail?.text ?? "");
    const first = await openRevealLink(db, token, { ip: "198.51.100.7", userAgent: "test" });
    expect(first).toEqual({ state: "revealed", password: revealed.value.password, username: trunk.username });
    const second = await openRevealLink(db, token, { ip: "198.51.100.7", userAgent: "test" });
    expect(second).toMatchObject({ state: "used" });
  });

  it("puts the password in the body when the provider chose inline delivery", async () => {
    await db.providerSettings.update({ where: { id: 1 }, data: { passwordDelivery: "INLINE" } });
    try {
      const { trunk, customer } = await demo("Inline Classic");
      const mails = await smtp.waitFor((all) => all.some((m) => m.to === customer.contactEmail));
      const mail = mails.find((m) => m.to === customer.contactEmail);
      const support = await createActor(db, "SUPPORT");
      const revealed = await executeCommand(revealTrunkPassword, contextFor(db, support), { trunkId: trunk.id });
      if (!revealed.ok) throw new Error("reveal failed");
      expect(mail?.text).toContain(`SIP password: ${revealed.value.password}`);
      expect(mail?.text).not.toMatch(/\/reveal\//);
      const stored = await db.mail.findFirstOrThrow({ where: { trunkId: trunk.id } });
      expect(JSON.stringify(stored)).not.toContain(revealed.value.password);
    } finally {
      await db.providerSettings.update({ where: { id: 1 }, data: { passwordDelivery: "LINK" } });
    }
  });
});

describe("one-time links", () => {
  it("explain themselves when expired or superseded by a reset", async () => {
    const { trunk, customer } = await demo("Link States");
    const firstMail = (await smtp.waitFor((all) => all.some((m) => m.to === customer.contactEmail))).find(
      (m) => m.to === customer.contactEmail,
    );
    const firstToken = revealToken(firstMail?.text ?? "");

    const support = await createActor(db, "SUPPORT");
    expect((await executeCommand(resetTrunkPassword, contextFor(db, support), { trunkId: trunk.id })).ok).toBe(true);
    const resetMail = (
      await smtp.waitFor((all) => all.some((m) => m.to === customer.contactEmail && m.subject.includes("reset")))
    ).find((m) => m.to === customer.contactEmail && m.subject.includes("reset"));
    expect(resetMail?.subject).toBe(`Your SIP password was reset (${trunk.username})`);
    expect(await openRevealLink(db, firstToken, { ip: null, userAgent: null })).toMatchObject({ state: "superseded" });

    const resetToken = revealToken(resetMail?.text ?? "");
    await db.revealLink.updateMany({
      where: { trunkId: trunk.id, usedAt: null, supersededAt: null },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect(await openRevealLink(db, resetToken, { ip: null, userAgent: null })).toMatchObject({ state: "expired" });
    expect(await openRevealLink(db, "not-a-token", { ip: null, userAgent: null })).toEqual({ state: "unknown" });

    // Resending makes a new link that works.
    expect((await executeCommand(resendCredentials, contextFor(db, support), { trunkId: trunk.id })).ok).toBe(true);
    const count = smtp.received.filter((m) => m.to === customer.contactEmail).length;
    const resent = (await smtp.waitFor((all) => all.filter((m) => m.to === customer.contactEmail).length > count)).at(
      -1,
    );
    expect(await openRevealLink(db, revealToken(resent?.text ?? ""), { ip: null, userAgent: null })).toMatchObject({
      state: "revealed",
    });
  });

  it("disabling and enabling a trunk emails the reason", async () => {
    const { trunk, customer } = await demo("Status Mail");
    const support = await createActor(db, "SUPPORT");
    await executeCommand(setTrunkStatus, contextFor(db, support), {
      trunkId: trunk.id,
      status: "DISABLED",
      reason: "Unpaid invoice 1042",
    });
    const mails = await smtp.waitFor((all) =>
      all.some((m) => m.to === customer.contactEmail && m.subject.includes("disabled")),
    );
    const disabled = mails.find((m) => m.to === customer.contactEmail && m.subject.includes("disabled"));
    expect(disabled?.text).toContain("Reason: Unpaid invoice 1042");
  });
});

/** Until the worker has tried to send the message and it waits for its retry (not mid-send). */
const waitForFailedAttempt = (mailId: string) =>
  expect
    .poll(async () => db.mail.count({ where: { id: mailId, status: "QUEUED", attempts: { gte: 1 } } }), {
      timeout: 20_000,
    })
    .toBe(1);

describe("delivery when the SMTP server is down", () => {
  it("keeps messages queued and delivers each exactly once when it returns", async () => {
    await smtp.stop();
    const created = [await demo("Outage One"), await demo("Outage Two"), await demo("Outage Three")];
    const emails = created.map((c) => c.customer.contactEmail);
    // The worker tries, fails and schedules a retry; nothing is lost.
    await expect
      .poll(async () => db.mail.count({ where: { to: { in: emails }, status: "QUEUED", attempts: { gte: 1 } } }), {
        timeout: 20_000,
      })
      .toBe(3);
    const failed = await db.mail.findFirstOrThrow({ where: { to: emails[0] } });
    expect(failed.lastError).toMatch(/ECONNREFUSED/);
    expect(failed.nextAttemptAt?.getTime()).toBeGreaterThan(Date.now() - 1000);

    await smtp.start();
    const received = await smtp.waitFor((all) => emails.every((e) => all.some((m) => m.to === e)), 40_000);
    // Once the queue is empty nothing can send them again: no duplicate can arrive later.
    await waitForQueueToDrain(db, SEND_MAIL_TASK);
    for (const email of emails) expect(received.filter((m) => m.to === email)).toHaveLength(1);
    expect(await db.mail.count({ where: { to: { in: emails }, status: "SENT" } })).toBe(3);
  });

  it("sends only the newest password when the password is reset during the outage", async () => {
    await db.providerSettings.update({ where: { id: 1 }, data: { passwordDelivery: "INLINE" } });
    await smtp.stop();
    let down = true;
    try {
      const { trunk, customer } = await demo("Outage Reset");
      const first = await db.mail.findFirstOrThrow({ where: { trunkId: trunk.id } });
      await waitForFailedAttempt(first.id);

      const support = await createActor(db, "SUPPORT");
      expect((await executeCommand(resetTrunkPassword, contextFor(db, support), { trunkId: trunk.id })).ok).toBe(true);
      // The waiting email holds the old password: it is never sent, and its sealed copy is gone.
      expect(await db.mail.findUniqueOrThrow({ where: { id: first.id } })).toMatchObject({
        status: "SUPERSEDED",
        secretsSealed: null,
      });

      await smtp.start();
      down = false;
      await smtp.waitFor((all) => all.some((m) => m.to === customer.contactEmail), 40_000);
      await waitForQueueToDrain(db, SEND_MAIL_TASK);
      const received = smtp.received.filter((m) => m.to === customer.contactEmail);
      expect(received.map((m) => m.subject)).toEqual([`Your SIP password was reset (${trunk.username})`]);
      const revealed = await executeCommand(revealTrunkPassword, contextFor(db, support), { trunkId: trunk.id });
      if (!revealed.ok) throw new Error("reveal failed");
      expect(received[0]?.text).toContain(`SIP password: ${revealed.value.password}`);
    } finally {
      if (down) await smtp.start();
      await db.providerSettings.update({ where: { id: 1 }, data: { passwordDelivery: "LINK" } });
    }
  });

  it("sends no credentials of a trunk deleted during the outage", async () => {
    await smtp.stop();
    try {
      const { trunk } = await demo("Outage Delete");
      await waitForFailedAttempt((await db.mail.findFirstOrThrow({ where: { trunkId: trunk.id } })).id);
      const admin = await createActor(db, "ADMIN");
      expect((await executeCommand(deleteTrunk, contextFor(db, admin), { trunkId: trunk.id })).ok).toBe(true);
      expect(await db.mail.findFirstOrThrow({ where: { trunkId: trunk.id } })).toMatchObject({
        status: "SUPERSEDED",
        secretsSealed: null,
      });
    } finally {
      await smtp.start();
    }
  });
});
