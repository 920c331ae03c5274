import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { sendSignInLink } from "../../lib/auth/sign-in-links";
import { executeCommand } from "../../lib/commands";
import { createDemoAccount } from "../../lib/customers";
import type { Db } from "../../lib/db";
import { LOGO_CID } from "../../lib/mail/logo";
import { openRevealLink } from "../../lib/portal";
import { inviteColleague } from "../../lib/portal/invite";
import { resetTrunkPassword, setTrunkStatus } from "../../lib/trunks";
import { contextFor, createActor, createPortalDatabase, startTestWorker } from "../support/portal";
import { type ReceivedMail, TestSmtpServer } from "../support/smtp";

/** Every link in every email is built from this, never from anything a request said. */
const PORTAL_URL = "https://portal.celito-voice.example";
const HOST = "Sip1.CelitoVoice.example";
const PROVIDER = "Celito Voice";

let db: Db;
let url: string;
let smtp: TestSmtpServer;
let worker: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  vi.stubEnv("PORTAL_URL", PORTAL_URL);
  ({ db, url } = await createPortalDatabase("mailrender"));
  await db.sipServer.create({ data: { hostname: HOST, realm: "sip1.celitovoice.example", label: "US" } });
  await db.providerSettings.upsert({
    where: { id: 1 },
    update: { providerName: PROVIDER },
    create: {
      providerName: PROVIDER,
      supportEmail: "support@celito.example",
      supportPhone: "+1 919 555 0100",
      forcedCallerId: "+12025550100",
    },
  });
  smtp = await new TestSmtpServer().start();
  worker = await startTestWorker({ db, url, smtpUrl: smtp.url });
});
afterAll(async () => {
  await worker?.stop();
  await smtp?.stop();
  await db?.$disconnect();
  vi.unstubAllEnvs();
});

const decode = (html: string) =>
  html
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&amp;", "&");

/** What a reader sees of the HTML part when the mail client shows no images at all. */
const withoutImages = (html: string) =>
  decode(
    html
      .replace(/<img\b[^>]*>/gi, "")
      .replace(/<[^>]+>/g, " ")
      .replace(/\s+/g, " "),
  );

const linksInText = (text: string) => text.match(/https?:\/\/[^\s<>"]+/g) ?? [];
const linksInHtml = (html: string) => [...html.matchAll(/href="([^"]*)"/g)].map((match) => decode(match[1] ?? ""));

/** The checks every message the portal sends must pass, whatever it is about. */
function expectWellFormed(mail: ReceivedMail) {
  // Dark text on a background of its own, declared light-only, so that a client in dark mode does not darken one
  // without the other.
  expect(mail.html).toContain('<meta name="color-scheme" content="light">');
  expect(mail.html).toMatch(/<body style="[^"]*color:#0f172a;background:#ffffff;/);

  // Links: every one on PORTAL_URL, and the same ones in both parts.
  const textLinks = linksInText(mail.text);
  for (const link of [...textLinks, ...linksInHtml(mail.html)])
    expect(link.startsWith(`${PORTAL_URL}/`), link).toBe(true);
  for (const link of linksInHtml(mail.html)) expect(mail.text).toContain(link);

  // The logo travels inside the message, and its absence costs nothing: no text in it, a fixed size, no background
  // images, and the provider's name in words beside it.
  const images = mail.html.match(/<img\b[^>]*>/gi) ?? [];
  expect(images).toHaveLength(1);
  expect(images[0]).toContain(`src="cid:${LOGO_CID}"`);
  expect(images[0]).toMatch(/alt=""/);
  expect(images[0]).toMatch(/width="\d+" height="\d+"/);
  expect(mail.inline).toEqual([expect.objectContaining({ contentId: LOGO_CID, contentType: "image/png" })]);
  expect(mail.html).not.toMatch(/background(-image)?\s*:[^;"]*url\(/i);
  const visible = withoutImages(mail.html);
  expect(visible).toContain(PROVIDER);
  // Everything the text part says as "label: value" is readable in the HTML without images.
  for (const line of mail.text.split("\n")) {
    const value = line.match(/^[A-Z][\w ()]+: (.+)$/)?.[1];
    if (value) expect(visible, line).toContain(value.trim());
  }
  // And every link of the text part is in the HTML, as a link or as text.
  for (const link of textLinks)
    expect(visible.includes(link) || linksInHtml(mail.html).includes(link), link).toBe(true);
}

async function mailTo(to: string, subject: RegExp) {
  const mails = await smtp.waitFor((all) => all.some((m) => m.to === to && subject.test(m.subject)));
  return mails.filter((m) => m.to === to && subject.test(m.subject)).at(-1) as ReceivedMail;
}

describe("every email the portal sends", () => {
  it("shows the SIP server exactly as spelled, links only to PORTAL_URL, and reads the same without images", async () => {
    const sales = await createActor(db, "SALES");
    const support = await createActor(db, "SUPPORT");
    const contactEmail = `render-${Date.now()}@customer.example`;
    const demo = await executeCommand(createDemoAccount, contextFor(db, sales), {
      company: "Render & Co <b>",
      contactName: "Robin Render",
      contactEmail,
    });
    if (!demo.ok) throw new Error(demo.formError);
    const { trunk } = demo.value;

    const ready = await mailTo(contactEmail, /ready/);
    await executeCommand(resetTrunkPassword, contextFor(db, support), { trunkId: trunk.id });
    const reset = await mailTo(contactEmail, /was reset/);
    // The reset's one-time link is the live one: it shows the password.
    const token = reset.text.match(new RegExp(`${PORTAL_URL}/reveal/([A-Za-z0-9_-]+)`))?.[1] ?? "";
    expect(await openRevealLink(db, token, { ip: null, userAgent: null })).toMatchObject({ state: "revealed" });
    await executeCommand(setTrunkStatus, contextFor(db, support), {
      trunkId: trunk.id,
      status: "DISABLED",
      reason: "Paused <for> a day",
    });
    const disabled = await mailTo(contactEmail, /disabled/);

    for (const mail of [ready, reset]) {
      expect(mail.text).toContain(`SIP server: ${HOST}`);
      expect(mail.html).toContain(`>${HOST}</code>`);
      expect(`${mail.text}${mail.html}`).not.toContain(HOST.toLowerCase());
      expect(mail.text).toContain(`SIP username: ${trunk.username}`);
      expect(mail.text).toContain(`${PORTAL_URL}/portal`);
      expectWellFormed(mail);
    }
    expectWellFormed(disabled);
    expect(disabled.text).toContain("Reason: Paused <for> a day");
    expect(disabled.html).toContain("Paused &lt;for&gt; a day");

    // Sign-in links: asked for at the sign-in page, and sent with an invitation.
    await sendSignInLink(db, contactEmail);
    const signIn = await mailTo(contactEmail, /Sign in to/);
    expect(signIn.text).toContain(`${PORTAL_URL}/api/auth/callback/email?`);
    expectWellFormed(signIn);

    const customer = await db.user.findUniqueOrThrow({ where: { email: contactEmail } });
    const invited = `invitee-${Date.now()}@customer.example`;
    const invite = await executeCommand(
      inviteColleague,
      {
        ...contextFor(db, {
          id: customer.id,
          email: customer.email,
          name: customer.name,
          role: customer.role,
          customerId: customer.customerId,
        }),
        authenticatedAt: new Date(),
      },
      { name: "Ivy Invitee", email: invited },
    );
    expect(invite.ok).toBe(true);
    const invitation = await mailTo(invited, /invited you/);
    expect(invitation.subject).toBe("Robin Render invited you to Render & Co <b>'s SIP trunks");
    expect(invitation.text).toContain(`${PORTAL_URL}/api/auth/callback/email?`);
    expect(invitation.text).toContain(`${PORTAL_URL}/portal/sign-in`);
    expectWellFormed(invitation);
  });
});
