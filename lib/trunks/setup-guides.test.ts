import { describe, expect, it } from "vitest";
import { expectedPackets, type GuideTrunk, PASSWORD_PLACEHOLDER, setupGuides, troubleshooting } from "./setup-guides";

const trunk: GuideTrunk = {
  username: "acmephon123456",
  hostnames: ["Sip1.CelitoVoice.example"],
  realms: ["sip1.celitovoice.example"],
  dids: ["+19193333333"],
  callerIdPolicy: "FORCED",
  forcedCallerId: "+12025550100",
};

describe("setup guides", () => {
  it("use the server hostname exactly as spelled, never another casing", () => {
    for (const guide of [...setupGuides(trunk), ...expectedPackets(trunk)]) {
      expect(guide.snippet, guide.id).toContain("Sip1.CelitoVoice.example");
      expect(guide.snippet, guide.id).not.toContain("sip1.CelitoVoice.example");
      expect(guide.snippet.replaceAll("sip1.celitovoice.example", ""), guide.id).not.toMatch(/sip1\.celitovoice/);
    }
  });

  it("cover Asterisk PJSIP, FreePBX, FreeSWITCH and a generic device, with a password placeholder", () => {
    const guides = setupGuides(trunk);
    expect(guides.map((guide) => guide.id)).toEqual(["asterisk", "freepbx", "freeswitch", "generic"]);
    const asterisk = guides[0]?.snippet ?? "";
    for (const section of ["type=auth", "type=aor", "type=registration", "type=endpoint", "type=identify"]) {
      expect(asterisk).toContain(section);
    }
    expect(asterisk).toContain("username=acmephon123456");
    expect(asterisk).toContain(`password=${PASSWORD_PLACEHOLDER}`);
    expect(guides[2]?.snippet).toContain('<param name="realm" value="sip1.celitovoice.example"/>');
  });

  it("fill the expected packets with the trunk's DID and caller-ID rule", () => {
    const [register, outbound, inbound] = expectedPackets(trunk);
    expect(register?.snippet).toMatch(/^REGISTER sip:Sip1\.CelitoVoice\.example SIP\/2\.0/);
    expect(register?.snippet).toContain('realm="sip1.celitovoice.example"');
    expect(outbound?.intro).toContain("+12025550100");
    expect(inbound?.snippet).toContain("To: <sip:+19193333333@Sip1.CelitoVoice.example>");
    const ownDids = expectedPackets({ ...trunk, callerIdPolicy: "OWN_DIDS", forcedCallerId: null });
    expect(ownDids[1]?.intro).toMatch(/must be one of your DIDs/);
  });

  it("explain the server name casing with the exact name and the refusal the PBX will log", () => {
    const topic = troubleshooting({ ...trunk, dialPermission: "US_ONLY", allowedCountries: [], callLimit: 5 }).find(
      (candidate) => candidate.id === "server-name",
    );
    const text = topic?.paragraphs.join(" ") ?? "";
    expect(text).toContain("Sip1.CelitoVoice.example exactly");
    expect(text).toContain('"404 Wrong server name casing, use Sip1.CelitoVoice.example"');
  });
});
