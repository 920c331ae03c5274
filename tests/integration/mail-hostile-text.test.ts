/**
 * User text is only ever text in an email: secret markers, template syntax and HTML typed into any field that
 * reaches a message (contact name, company, provider name and phone, a disable reason) arrive literally, and every
 * message still goes out with its one real link or password. Through the real worker and a real SMTP server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../lib/auth/policy";
import { executeCommand } from "../../lib/commands";
import { createCustomer, createDemoAccount } from "../../lib/customers";
import { queueDemoReminders } from "../../lib/customers/demo-expiry";
import type { Db } from "../../lib/db";
import { queueMail } from "../../lib/mail/queue";
import { signInMail } from "../../lib/mail/templates";
import { openRevealLink } from "../../lib/portal";
import { getProviderSettings, updateProviderSettings } from "../../lib/settings";
import { createTrunk, resendCredentials, revealTrunkPassword, setTrunkStatus } from "../../lib/trunks";
import { contextFor, createActor, createPortalDatabase, startTestWorker } from "../support/portal";
import { type ReceivedMail, TestSmtpServer } from "../support/smtp";

/** Everything a template engine or the old "[[secret:name]]" markers could have taken for something else. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: template syntax is the hostile input under test.
const HOSTILE = "[[secret:revealUrl]] [[secret:x]] {{name}} ${name} <b>&amp;</b>";
// biome-ignore lint/suspicious/noTemplateCurlyInString: as above, escaped for HTML.
const HOSTILE_HTML = "[[secret:revealUrl]] [[secret:x]] {{name}} ${name} &lt;b&gt;&amp;amp;&lt;/b&gt;";

let db: Db;
let url: string;
let smtp: TestSmtpServer;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let admin: Actor;
let serverId: string;

beforeAll(async () => {
  ({ db, url } = await createPortalDatabase("hostile_mail"));
  serverId = (
    await db.sipServer.create({ data: { hostname: "Sip1.Example.net", realm: "sip1.example.net", label: "US" } })
  ).id;
  admin = await createActor(db, "ADMIN");
  const settings = await executeCommand(updateProviderSettings, contextFor(db, admin), {
    providerName: `Celito ${HOSTILE}`,
    supportEmail: "support@celito.example",
    supportPhone: "[[secret:password]] ext {{x}}",
    forcedCallerId: "+12025550100",
    forcedCallerIdName: "",
    demoCallLimit: "5",
    demoDialPermission: "US_ONLY",
    demoDurationDays: "2",
    demoReminderDays: "3",
    passwordDelivery: "LINK",
  });
  if (!settings.ok) throw new Error(JSON.stringify(settings));
  smtp = await new TestSmtpServer().start();
  worker = await startTestWorker({ db, url, smtpUrl: smtp.url });
});
afterAll(async () => {
  await worker?.stop();
  await smtp?.stop();
  await db?.$disconnect();
});

/** The next message to `to` matching `subject`, once it arrived. */
async function received(to: string, subject: RegExp): Promise<ReceivedMail> {
  const mails = await smtp.waitFor((all) => all.some((m) => m.to === to && subject.test(m.subject)));
  return mails.filter((m) => m.to === to && subject.test(m.subject)).at(-1) as ReceivedMail;
}

function expectLiteral(mail: ReceivedMail, ...texts: string[]) {
  for (const text of texts) expect(mail.text).toContain(text);
  expect(mail.text).toContain(`Celito ${HOSTILE}`);
  expect(mail.text).toContain("[[secret:password]] ext {{x}}");
  expect(mail.html).toContain(`Celito ${HOSTILE_HTML}`);
}

const links = (text: string) => [...text.matchAll(/\/reveal\/([A-Za-z0-9_-]+)/g)].map((match) => match[1] as string);

describe("hostile text in every field that reaches an email", () => {
  it("credentials (link and inline), disable notices and demo notices all go out, with the text as typed", async () => {
    const customer = await executeCommand(createCustomer, contextFor(db, admin), {
      company: `Acme ${HOSTILE}`,
      contactName: `Pat ${HOSTILE}`,
      contactEmail: "pat@hostile.example",
    });
    if (!customer.ok) throw new Error(JSON.stringify(customer));
    const trunk = await executeCommand(createTrunk, contextFor(db, admin), {
      customerId: customer.value.id,
      serverIds: serverId,
      callLimit: "5",
      dialPermission: "US_ONLY",
      callerIdPolicy: "FORCED",
    });
    if (!trunk.ok) throw new Error(JSON.stringify(trunk));
    const password = await executeCommand(revealTrunkPassword, contextFor(db, admin), { trunkId: trunk.value.id });
    if (!password.ok) throw new Error("reveal failed");

    // The new-trunk email: exactly one link, the real one, and it works.
    const created = await received("pat@hostile.example", /ready/);
    expectLiteral(created, `Hello Pat ${HOSTILE}`);
    expect(created.html).toContain(`Hello Pat ${HOSTILE_HTML}`);
    const [token, ...more] = links(created.text);
    expect(more).toEqual([]);
    expect(await openRevealLink(db, token ?? "", { ip: null, userAgent: null })).toMatchObject({
      state: "revealed",
      password: password.value.password,
    });

    // Inline delivery: the password once, where the template put it, not where user text pretended it goes.
    await db.providerSettings.update({ where: { id: 1 }, data: { passwordDelivery: "INLINE" } });
    try {
      expect((await executeCommand(resendCredentials, contextFor(db, admin), { trunkId: trunk.value.id })).ok).toBe(
        true,
      );
      await smtp.waitFor((all) => all.filter((m) => m.to === "pat@hostile.example").length >= 2);
      const inline = await received("pat@hostile.example", /ready/);
      expectLiteral(inline, `SIP password: ${password.value.password}`);
      expect(inline.text.split(password.value.password)).toHaveLength(2);
    } finally {
      await db.providerSettings.update({ where: { id: 1 }, data: { passwordDelivery: "LINK" } });
    }

    // A disable reason is user text too.
    await executeCommand(setTrunkStatus, contextFor(db, admin), {
      trunkId: trunk.value.id,
      status: "DISABLED",
      reason: `Unpaid ${HOSTILE}`,
    });
    expectLiteral(await received("pat@hostile.example", /disabled/), `Reason: Unpaid ${HOSTILE}`);

    // The "demo ends soon" notice carries the company and contact names.
    const demo = await executeCommand(createDemoAccount, contextFor(db, admin), {
      company: `Demo ${HOSTILE}`,
      contactName: `Ash ${HOSTILE}`,
      contactEmail: "ash@hostile.example",
    });
    if (!demo.ok) throw new Error(JSON.stringify(demo));
    await queueDemoReminders(db, new Date());
    expectLiteral(await received("ash@hostile.example", /ends soon/), `Hello Ash ${HOSTILE}`, `Demo ${HOSTILE}`);

    // Every message of this run goes out, none fails (the demo's own credentials email may still be on its way).
    await expect.poll(() => db.mail.count({ where: { status: { not: "SENT" } } }), { timeout: 10_000 }).toBe(0);
  });

  it("the sign-in email carries its link once, whatever the provider's name says", async () => {
    const provider = await getProviderSettings(db);
    await db.$transaction((tx) =>
      queueMail(tx, {
        ...signInMail({ provider, expiresMinutes: 15 }),
        kind: "auth.sign-in-link",
        to: "lee@hostile.example",
        secrets: { signInUrl: "https://portal.example/api/auth/callback/email?token=t0k3n" },
      }),
    );
    const mail = await received("lee@hostile.example", /Sign in/);
    expectLiteral(mail);
    expect(mail.text.match(/token=t0k3n/g)).toHaveLength(1);
    expect(mail.subject).toBe(`Sign in to Celito ${HOSTILE}`);
  });
});
