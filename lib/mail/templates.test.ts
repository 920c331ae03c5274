import { describe, expect, it } from "vitest";
import { escapeHtml, maskSecrets, mergeSecrets } from "./secrets";
import { credentialsMail } from "./templates";

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
  it("carries the reveal link only as a secret marker in link mode", () => {
    const mail = credentialsMail({ ...args, delivery: "link", reason: "new" });
    expect(mail.text).toContain("[[secret:revealUrl]]");
    expect(mail.text).not.toContain("[[secret:password]]");
    expect(mail.text).toContain("SIP server: Sip1.CelitoVoice.example");
    expect(mail.html).toContain(">Sip1.CelitoVoice.example</code>");
    expect(maskSecrets(mail.text)).not.toContain("[[secret:");
  });

  it("carries the password as a secret marker in inline mode", () => {
    const mail = credentialsMail({ ...args, delivery: "inline", reason: "reset" });
    expect(mail.subject).toBe("Your SIP password was reset (acmephon123456)");
    expect(mergeSecrets(mail.text, { password: "pw<&>" })).toContain("SIP password: pw<&>");
    expect(mergeSecrets(mail.html, { password: "pw<&>" }, escapeHtml)).toContain("pw&lt;&amp;&gt;");
  });

  it("refuses to send a message whose secret is missing", () => {
    expect(() => mergeSecrets("[[secret:revealUrl]]", {})).toThrow(/missing/);
  });
});
