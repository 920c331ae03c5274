/**
 * Every email the portal sends, as its recipient's mail client shows the HTML body: no serious or critical
 * accessibility violation (axe-core, the same WCAG 2.1 A and AA rules as every page, colour contrast included) and
 * nothing wider than the screen, on a desktop in the light scheme and on a phone in the dark one. The portal only ever
 * shows these messages inside a sandboxed preview frame, which the page check cannot enter, so each template is
 * rendered here directly (no database: templates are pure functions) with realistic, hostile-looking values — a long
 * company and provider name, a long support address and portal address, markup in user text, a mixed-case SIP server —
 * and its secrets merged in exactly as lib/mail/deliver.ts sends them.
 */
import { expect, test } from "@playwright/test";
import { escapeHtml, type MailSecrets, mergeSecrets } from "../../lib/mail/secrets";
import * as templates from "../../lib/mail/templates";
import { E2E_SIP_SERVER } from "../../playwright.config";
import { contextFor, pageWidth, SCREENS, seriousViolations } from "./axe";

// Each screen's check is a test of its own, so the two can run side by side (about 0.1-0.4 s an email each).
test.describe.configure({ mode: "parallel" });

const provider: templates.Provider = {
  providerName: "Celito Voice & Data Communications International <Wholesale> Ltd.",
  supportEmail: "wholesale-voice-support@celitovoice-communications.example",
  supportPhone: "+1 (919) 555-0100 ext. 4421",
};
const portalUrl = "https://customer-portal.celitovoice-communications.example";
const company = "Accessible Widgets & Sons — Regional Telecommunications Procurement Department <b>East</b>";
const contactName = 'Zoë O\'Brien-Castellanos "Pat" 👩‍💻';
const username = "accessiblewid4821";
const trunk: templates.TrunkSummary = {
  username,
  hostnames: [E2E_SIP_SERVER, "Sip2.CelitoVoice.example"],
  callLimit: 5,
  dialPermission: "COUNTRIES",
  allowedCountries: ["US", "CA", "GB", "DE", "FR", "MX", "PR"],
  callerIdPolicy: "FORCED",
  forcedCallerId: "+12025550100",
  dids: ["+19195550101", "+19195550102", "+19195550103", "+19195550104", "+19195550105"],
};
const policy = { ...trunk, dialPermission: "US_ONLY" as const, allowedCountries: [] };
const secrets: MailSecrets = {
  revealUrl: `${portalUrl}/reveal/6f1c2a9e8b7d4c3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c`,
  password: `Xq7<&>"'pL9vT2mR4wK8`,
  signInUrl: `${portalUrl}/sign-in/link?token=Zk3q9Xw2Lp8Vn4Rt7Yb1Mc6Hd0Gf5Js`,
  resetUrl: `${portalUrl}/reset-password?token=Qw8Er4Ty2Ui6Op0As3Df7Gh1Jk5Lz9`,
};
const expiresAt = new Date("2026-12-11T17:00:00Z");
const credentials = (delivery: "link" | "inline", reason: "new" | "resend" | "reset") =>
  templates.credentialsMail({ provider, trunk, portalUrl, delivery, contactName, reason, linkExpiresHours: 72 });

/** Each template under every variant that changes its markup. Typed so a new template fails to compile until listed. */
const MAILS = {
  credentialsMail: () => [
    credentials("link", "new"),
    credentials("inline", "new"),
    credentials("link", "resend"),
    credentials("inline", "reset"),
  ],
  trunkStatusMail: () => [
    templates.trunkStatusMail({
      provider,
      username,
      contactName,
      status: "DISABLED",
      reason: `Unpaid invoice <#4821> for ${company}`,
    }),
    templates.trunkStatusMail({ provider, username, contactName, status: "ACTIVE", reason: null }),
  ],
  demoExpiringMail: () => [templates.demoExpiringMail({ provider, contactName, company, expiresAt })],
  demoEndedMail: () => [
    templates.demoEndedMail({
      provider,
      contactName,
      company,
      usernames: [username, "accessiblewid4822", "accessiblewid4823"],
    }),
  ],
  demoExtendedMail: () => [templates.demoExtendedMail({ provider, contactName, company, expiresAt })],
  demoConvertedMail: () => [
    templates.demoConvertedMail({ provider, contactName, company, usernames: [username], policy }),
  ],
  signInMail: () => [templates.signInMail({ provider, expiresMinutes: 15 })],
  passwordResetMail: () => [
    templates.passwordResetMail({ provider, expiresMinutes: 30, forced: false }),
    templates.passwordResetMail({ provider, expiresMinutes: 30, forced: true }),
  ],
  outboundSuspendedMail: () =>
    (["customer", "support"] as const).map((audience) =>
      templates.outboundSuspendedMail({
        provider,
        username,
        company,
        reason: "daily cap of 500 outbound minutes",
        audience,
      }),
    ),
  authFailureBurstMail: () => [
    templates.authFailureBurstMail({
      provider,
      username,
      company,
      failures: 120,
      minutes: 5,
      sources: ["203.0.113.7", "2001:db8:85a3:0000:0000:8a2e:0370:7334", "198.51.100.22"],
      trunkUrl: `${portalUrl}/staff/trunks/cm9x2k4l70001qz8h3v5t6w7y`,
    }),
  ],
  invitationMail: () => [
    templates.invitationMail({ provider, inviterName: contactName, company, portalUrl, expiresHours: 72 }),
  ],
} satisfies Record<keyof typeof templates, () => templates.RenderedMail[]>;

test("every email template is checked", () => {
  const exported = Object.entries(templates).filter(([, value]) => typeof value === "function");
  expect(exported.map(([name]) => name).sort()).toEqual(Object.keys(MAILS).sort());
});

for (const screen of SCREENS) {
  test(`every email's HTML, ${screen.name}`, async ({ browser }) => {
    const context = await contextFor(browser, screen);
    const page = await context.newPage();
    const problems: string[] = [];
    for (const [template, render] of Object.entries(MAILS)) {
      for (const mail of render()) {
        const label = `${template}: "${mail.subject}"`;
        // As sent: the secrets merged in (escaped) where their slots are.
        await page.setContent(mergeSecrets(mail.html, secrets, escapeHtml));
        problems.push(...(await seriousViolations(page)).map((violation) => `${label}: ${violation}`));
        // A screen reader announces the document by its title: the subject, exactly.
        const title = await page.title();
        if (title !== mail.subject) problems.push(`${label}: titled "${title}"`);
        const width = await pageWidth(page);
        if (width.page > width.screen) problems.push(`${label}: ${width.page}px wide on a ${width.screen}px screen`);
      }
    }
    expect(problems).toEqual([]);
    await context.close();
  });
}
