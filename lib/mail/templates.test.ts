import { describe, expect, it } from "vitest";
import { escapeHtml, maskSecrets, mergeSecrets } from "./secrets";
import { credentialsMail, trunkStatusMail } from "./templates";

const args = {
  provider: { providerName: "Celito", supportEmail: "support@celito.example", supportPhone: "+1 919 555 0100" },
  portalUrl: "https://portal.example",
  contactName: "Pat",
  linkExpiresHours: 72,
  trunk: {
    username: "acmephon123456",
    hostnames: ["Sip1.CelitoVoice.example"],
    callLimit: 5,
    dialPermission: "US_ONLY" as const,
    allowedCountries: [],
    callerIdPolicy: "FORCED" as const,
    forcedCallerId: "+12025550100",
    dids: [],
  },
};

describe("the credentials email", () => {
  it("carries the reveal link only as a slot in link mode, never in its stored text", () => {
    const mail = credentialsMail({ ...args, delivery: "link", reason: "new" });
    expect(mail.text.slots.map((slot) => slot.name)).toEqual(["revealUrl"]);
    expect(mail.html.slots.map((slot) => slot.name)).toEqual(["revealUrl"]);
    expect(mail.text.content).toContain("SIP server: Sip1.CelitoVoice.example");
    expect(mail.html.content).toContain(">Sip1.CelitoVoice.example</code>");
    expect(maskSecrets(mail.text)).toContain(
      "Show my SIP password (one time):\n‹revealUrl — sent to the recipient only›",
    );
    expect(mergeSecrets(mail.text, { revealUrl: "https://portal.example/reveal/abc" })).toContain(
      "Show my SIP password (one time):\nhttps://portal.example/reveal/abc",
    );
  });

  it("carries the password as a slot in inline mode, escaped in HTML", () => {
    const mail = credentialsMail({ ...args, delivery: "inline", reason: "reset" });
    expect(mail.subject).toBe("Your SIP password was reset (acmephon123456)");
    expect(mergeSecrets(mail.text, { password: "pw<&>" })).toContain("SIP password: pw<&>");
    expect(mergeSecrets(mail.html, { password: "pw<&>" }, escapeHtml)).toContain("pw&lt;&amp;&gt;");
  });

  it("refuses to send a message whose secret is missing", () => {
    const mail = credentialsMail({ ...args, delivery: "link", reason: "new" });
    expect(() => mergeSecrets(mail.text, {})).toThrow(/revealUrl/);
  });
});

describe("user text in an email", () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: template syntax is the hostile input under test.
  const hostile = "[[secret:password]] [[secret:x]] {{name}} ${name} ‹revealUrl›";

  it("is text: it makes no slot, and merging and masking leave it exactly as typed", () => {
    const mail = credentialsMail({
      ...args,
      provider: { ...args.provider, providerName: hostile, supportPhone: hostile },
      contactName: hostile,
      delivery: "inline",
      reason: "new",
    });
    expect(mail.text.slots.map((slot) => slot.name)).toEqual(["password"]);
    const sent = mergeSecrets(mail.text, { password: "S3cret" });
    expect(sent).toContain(`Hello ${hostile}, your ${hostile} SIP trunk is set up.`);
    expect(sent.split("S3cret")).toHaveLength(2);
    expect(maskSecrets(mail.text)).toContain(`Hello ${hostile}`);
    expect(mergeSecrets(mail.html, { password: "S3cret" }, escapeHtml)).toContain(`Hello ${escapeHtml(hostile)}`);
  });

  it("keeps slots where the template put them, whatever comes before (astral characters included)", () => {
    const mail = credentialsMail({
      ...args,
      provider: { ...args.provider, providerName: "🎉 Celito" },
      contactName: "Zoë 👩‍💻",
      delivery: "inline",
      reason: "new",
    });
    expect(mergeSecrets(mail.text, { password: "S3cret" })).toContain("\nSIP password: S3cret\n");
    expect(mergeSecrets(mail.html, { password: "S3cret" }, escapeHtml)).toMatch(/padding:2px 6px">S3cret<\/code>/);
    const status = trunkStatusMail({
      provider: args.provider,
      username: "acme",
      contactName: "Zoë",
      status: "DISABLED",
      reason: hostile,
    });
    expect(mergeSecrets(status.text, {})).toContain(`Reason: ${hostile}`);
  });
});

describe("credentials emails of many trunks with the same settings", () => {
  it("each carry their own username and contact name, as text in the text and escaped in the HTML", () => {
    const first = credentialsMail({ ...args, contactName: "Pat <b>&", delivery: "inline", reason: "reset" });
    const second = credentialsMail({
      ...args,
      contactName: `Lee "O'Neil" 👩‍💻 <script>`,
      trunk: { ...args.trunk, username: "zoeph<&>987654" },
      delivery: "inline",
      reason: "reset",
    });
    expect(first.subject).toBe("Your SIP password was reset (acmephon123456)");
    expect(second.subject).toBe("Your SIP password was reset (zoeph<&>987654)");
    const text = mergeSecrets(second.text, { password: "S3cret" });
    const html = mergeSecrets(second.html, { password: "pw<" }, escapeHtml);
    expect(text).toContain(`Hello Lee "O'Neil" 👩‍💻 <script>, the SIP password of trunk zoeph<&>987654 was reset.`);
    expect(text).toContain("SIP username: zoeph<&>987654\nSIP password: S3cret\n");
    expect(text).toContain("Use zoeph<&>987654 as the username");
    expect(html).toContain(
      "Hello Lee &quot;O&#39;Neil&quot; 👩‍💻 &lt;script&gt;, the SIP password of trunk zoeph&lt;&amp;&gt;987654",
    );
    expect(html).toMatch(/padding:2px 6px">zoeph&lt;&amp;&gt;987654<\/code>/);
    expect(html).toMatch(/padding:2px 6px">pw&lt;<\/code>/);
    expect(`${text}${html}${second.subject}`).not.toMatch(/Pat|acmephon/);
    expect(`${text}${html}`).not.toContain("\u0000");
    expect(mergeSecrets(first.text, { password: "x" })).toContain("Hello Pat <b>&, the SIP password");
  });

  it("differ where their settings differ", () => {
    const one = credentialsMail({ ...args, delivery: "link", reason: "new" });
    const other = credentialsMail({
      ...args,
      trunk: { ...args.trunk, hostnames: ["Sip2.CelitoVoice.example"], callLimit: 9, dids: ["+19195550123"] },
      delivery: "link",
      reason: "new",
    });
    expect(one.text.content).toContain("SIP server: Sip1.CelitoVoice.example");
    expect(other.text.content).toContain("SIP server: Sip2.CelitoVoice.example");
    expect(other.text.content).not.toContain("Sip1.");
    expect(other.text.content).toContain("+19195550123");
    expect(other.text.content).not.toBe(one.text.content);
  });
});
