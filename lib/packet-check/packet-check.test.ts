import { describe, expect, it } from "vitest";
import { checkTrace, type TrunkExpectations } from ".";
import { readTraceText } from "./trace-text";

const trunk: TrunkExpectations = {
  username: "acme123456",
  hostnames: ["Sip1.CelitoVoice.example"],
  realms: ["sip1.celitovoice.example"],
  dids: ["+19193333333"],
  isDemo: true,
  dialPermission: "US_ONLY",
  allowedCountries: [],
  callerIdPolicy: "FORCED",
  forcedCallerId: "+12025550100",
  callLimit: 5,
};

const message = (lines: string[], body = "") => `${lines.join("\n")}\nContent-Length: ${body.length}\n\n${body}`;

const asteriskTrace = [
  "<--- Transmitting SIP request (500 bytes) to UDP:203.0.113.5:5060 --->",
  message([
    "REGISTER sip:sip1.celitovoice.example SIP/2.0",
    "Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK1",
    "From: <sip:acme123456@sip1.celitovoice.example>;tag=1",
    "To: <sip:acme123456@sip1.celitovoice.example>",
    "Call-ID: reg-1",
    "CSeq: 1 REGISTER",
    "Contact: <sip:acme123456@192.168.1.10:5060>",
  ]),
  "<--- Received SIP response (300 bytes) from UDP:203.0.113.5:5060 --->",
  message([
    "SIP/2.0 401 Unauthorized",
    "Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK1",
    "Call-ID: reg-1",
    "CSeq: 1 REGISTER",
    'WWW-Authenticate: Digest realm="sip1.celitovoice.example", nonce="abc", qop="auth"',
  ]),
  "<--- Transmitting SIP request (900 bytes) to UDP:203.0.113.5:5080 --->",
  message(
    [
      "INVITE sip:99195551234@Sip1.CelitoVoice.example:5080 SIP/2.0",
      "Via: SIP/2.0/TLS 198.51.100.7:5060;branch=z9hG4bK2;rport",
      '"Front Desk" <sip:9193333333@Sip1.CelitoVoice.example>;tag=2'.replace(/^/, "From: "),
      "To: <sip:99195551234@Sip1.CelitoVoice.example>",
      "Call-ID: inv-1",
      "CSeq: 2 INVITE",
      "Contact: <sip:acme123456@198.51.100.7:5060>",
      'Proxy-Authorization: Digest username="acme", realm="Sip1.CelitoVoice.example", nonce="n", uri="sip:x", response="0123456789abcdef0123456789abcdef"',
      "Content-Type: application/sdp",
    ],
    "v=0\no=- 1 1 IN IP4 10.0.0.5\ns=-\nc=IN IP4 10.0.0.5\nt=0 0\nm=audio 4000 RTP/AVP 0\n",
  ),
  "<--- Transmitting SIP request (600 bytes) to UDP:203.0.113.5:5060 --->",
  message([
    "INVITE sip:+442071234567@Sip1.CelitoVoice.example SIP/2.0",
    "Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK3",
    "From: <sip:+12025550100@Sip1.CelitoVoice.example>;tag=3",
    "To: <sip:+442071234567@Sip1.CelitoVoice.example>",
    "Call-ID: inv-2",
    "CSeq: 1 INVITE",
  ]),
  ...[
    "404 Wrong server name casing, use Sip1.CelitoVoice.example",
    "486 Busy Here (call limit)",
    "488 Not Acceptable Here",
    "503 Service Unavailable",
    "403 Forbidden (Destination Not Permitted)",
  ].flatMap((status, i) => [
    "<--- Received SIP response (300 bytes) from UDP:203.0.113.5:5060 --->",
    message([
      `SIP/2.0 ${status}`,
      "Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK9",
      `Call-ID: r-${i}`,
      "CSeq: 1 INVITE",
    ]),
  ]),
].join("\n");

const texts = (report: ReturnType<typeof checkTrace>, index: number) =>
  report.messages[index]?.findings.map((finding) => `${finding.severity} ${finding.topic} ${finding.text}`) ?? [];

describe("packet check", () => {
  const report = checkTrace({ text: asteriskTrace }, trunk);

  it("reads every message of an Asterisk log, with where it went", () => {
    expect(report.messages.map((m) => m.summary)).toEqual([
      "REGISTER sip:sip1.celitovoice.example SIP/2.0",
      "SIP/2.0 401 Unauthorized",
      "INVITE sip:99195551234@Sip1.CelitoVoice.example:5080 SIP/2.0",
      "INVITE sip:+442071234567@Sip1.CelitoVoice.example SIP/2.0",
      "SIP/2.0 404 Wrong server name casing, use Sip1.CelitoVoice.example",
      "SIP/2.0 486 Busy Here (call limit)",
      "SIP/2.0 488 Not Acceptable Here",
      "SIP/2.0 503 Service Unavailable",
      "SIP/2.0 403 Forbidden (Destination Not Permitted)",
    ]);
    expect(report.messages[0]).toMatchObject({ destination: "203.0.113.5:5060", transport: "UDP" });
    expect(report.messages[1]).toMatchObject({ source: "203.0.113.5:5060" });
  });

  it("flags the server name's casing, private addresses without rport, and an unanswered challenge", () => {
    const register = texts(report, 0).join("\n");
    expect(register).toContain(
      "error server-name The Request-URI uses sip1.celitovoice.example, but the server name is Sip1.CelitoVoice.example (case-sensitive): it may register, but every call will be refused (404).",
    );
    expect(register).toContain("error server-name The To header uses sip1.celitovoice.example");
    expect(register).toContain("warning server-name The From domain");
    expect(register).toContain("warning nat Private address 192.168.1.10 in Via/Contact without rport");
    expect(texts(report, 1).join("\n")).toContain("error credentials The PBX never answered this challenge");
  });

  it("flags the username, realm, number format, transport, port and private audio of a call", () => {
    const invite = texts(report, 2).join("\n");
    expect(invite).toContain('error credentials The PBX authenticates as "acme"; the username is acme123456.');
    expect(invite).toContain('error credentials The PBX answers for realm "Sip1.CelitoVoice.example"');
    expect(invite).toContain("It looks like an outside-line 9 was left in");
    expect(invite).toContain("error transport The PBX sends over TLS");
    expect(invite).toContain("error transport The Request-URI names port 5080");
    expect(invite).toContain("error transport Sent to port 5080");
    expect(invite).toContain("warning nat The audio address 10.0.0.5 is private");
    expect(invite).toContain("info caller-id Caller ID 9193333333 will be replaced by +12025550100");
  });

  it("says which destinations the trunk may not call, in the provider's words", () => {
    expect(texts(report, 3)).toContain(
      "error dial-permission +442071234567: this demo trunk may call US numbers only (403).",
    );
  });

  it("explains each error response and links it to its fix", () => {
    expect(report.messages.slice(4).map((m) => m.findings.map((f) => [f.topic, f.text]))).toEqual([
      [
        [
          "server-name",
          "404 Wrong server name casing, use Sip1.CelitoVoice.example: wrong server name casing: use Sip1.CelitoVoice.example.",
        ],
      ],
      [["call-limit", "486 Busy Here (call limit): 5 of 5 concurrent calls in use."]],
      [["codecs", "488 Not Acceptable Here: no common audio codec: offer G.711 (PCMU/PCMA)."]],
      [["service", "503 Service Unavailable: the service or the carrier is temporarily unavailable."]],
      [["dial-permission", "403 Forbidden (Destination Not Permitted): this demo trunk may call US numbers only."]],
    ]);
  });

  it("masks digest responses in the text it would save", () => {
    expect(report.text).toContain('response="…"');
    expect(report.text).not.toContain("0123456789abcdef0123456789abcdef");
  });

  it("reads sngrep and FreeSWITCH exports too", () => {
    const invite = message(["INVITE sip:9195551234@Sip1.CelitoVoice.example SIP/2.0", "Call-ID: x", "CSeq: 1 INVITE"]);
    expect(readTraceText(`2024/05/01 10:00:00.123456 192.0.2.10:5060 -> 203.0.113.5:5060\n${invite}`)[0]).toMatchObject(
      {
        source: "192.0.2.10:5060",
        destination: "203.0.113.5:5060",
      },
    );
    const fs = `send 600 bytes to udp/[203.0.113.5]:5060 at 10:00:00.000000:\n${"-".repeat(60)}\n${invite}\n${"-".repeat(60)}`;
    expect(readTraceText(fs)[0]).toMatchObject({ destination: "203.0.113.5:5060", transport: "UDP" });
  });
});
