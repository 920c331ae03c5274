/**
 * The SIPp scenario XML that ./sipp runs: a REGISTER client, a calling client (UAC) and an answering server (UAS).
 * Each logs its calls' outcomes as the lines ./sipp parses ("RESULT <call_number> <status>", "REPLY …", "CHALLENGE …").
 */
import type { RegisterOptions } from "./sipp";

/** Final responses a scenario recognises; anything else counts as "unexpected" (status null). */
const FINAL_CODES = [
  200, 400, 401, 403, 404, 405, 407, 408, 420, 480, 481, 483, 484, 486, 487, 488, 500, 501, 502, 503, 504, 600, 603,
  604, 606,
];

/** XML-escapes a value put into a scenario (display names, header values). */
function xml(value: string): string {
  return value.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/**
 * Logs a final response: "RESULT <call> <code>", and "REPLY <call> <status line>|<Reason header>" (POSIX regex:
 * [:cntrl:] stops at the CR of the status line).
 */
const logFinal = (code: number) =>
  `<action><ereg regexp="SIP/2\\.0 [0-9]{3} [^[:cntrl:]]*" search_in="msg" check_it="false" assign_to="statusline"/>` +
  `<ereg regexp=".*" search_in="hdr" header="Reason:" check_it="false" assign_to="reasonhdr"/>` +
  `<log message="RESULT [call_number] ${code}"/><log message="REPLY [call_number] [$statusline]|[$reasonhdr]"/></action>`;

/** Optional <recv> for every known final response, each logging the code and jumping to `next`. */
function finalResponses(opts: { except: number[]; next: string; mandatory?: number }): string {
  const codes = FINAL_CODES.filter((c) => !opts.except.includes(c) && c !== opts.mandatory);
  const lines = codes.map((c) => `  <recv response="${c}" optional="true" next="${opts.next}">${logFinal(c)}</recv>`);
  if (opts.mandatory !== undefined) {
    lines.push(`  <recv response="${opts.mandatory}" next="${opts.next}">${logFinal(opts.mandatory)}</recv>`);
  }
  return lines.join("\n");
}

const TIMEOUT_LABEL = `
  <label id="timeout"/>
  <nop><action><log message="RESULT [call_number] timeout"/></action></nop>
`;

export function registerScenario(o: Required<Omit<RegisterOptions, "password" | "proxyPort" | "localIp">>): string {
  const request = (auth: boolean) => `<![CDATA[
REGISTER sip:${o.domain} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
Max-Forwards: 70
From: <sip:${o.username}@${o.domain}>;tag=[pid]SIPpTag00[call_number]
To: <sip:${o.username}@${o.domain}>
Call-ID: [call_id]
CSeq: [cseq] REGISTER
Contact: <sip:${o.username}@[local_ip]:[local_port];transport=[transport]>
Expires: ${o.expires}
User-Agent: ${xml(o.userAgent)}
${auth ? "[authentication]\n" : ""}Content-Length: 0

]]>`;
  // SIPp waits at the FIRST recv of a group of optional recvs: that is where the response timeout must be.
  const wait = ` timeout="${o.responseTimeoutMs}" ontimeout="timeout"`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="register">
  <send retrans="500">${request(false)}</send>
  <recv response="100" optional="true"${wait}/>
${finalResponses({ except: [401, 407], next: "done" })}
  <recv response="401" auth="true" next="auth"><action><log message="CHALLENGE [call_number] 401"/></action></recv>
  <label id="auth"/>
  <send retrans="500">${request(true)}</send>
  <recv response="100" optional="true"${wait}/>
${finalResponses({ except: [], next: "done", mandatory: 200 })}
${TIMEOUT_LABEL}
  <label id="done"/>
</scenario>
`;
}

export function uacScenario(o: {
  to: string;
  from: string;
  fromDisplay?: string;
  domain: string;
  toDomain: string;
  holdMs: number;
  responseTimeoutMs: number;
  extraHeaders: string[];
}): string {
  const display = o.fromDisplay ? `"${xml(o.fromDisplay)}" ` : "";
  const invite = (auth: boolean) => `<![CDATA[
INVITE sip:${o.to}@${o.domain} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
Max-Forwards: 70
From: ${display}<sip:${o.from}@${o.domain}>;tag=[pid]SIPpTag00[call_number]
To: <sip:${o.to}@${o.toDomain}>
Call-ID: [call_id]
CSeq: [cseq] INVITE
Contact: <sip:${o.from}@[local_ip]:[local_port];transport=[transport]>
${o.extraHeaders.map((h) => `${h}\n`).join("")}${auth ? "[authentication]\n" : ""}Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
]]>`;
  // ACK for a non-2xx final response: same transaction (Via branch) as the INVITE, hence [last_Via:].
  const ackNon2xx = `<![CDATA[
ACK sip:${o.to}@${o.domain} SIP/2.0
[last_Via:]
Max-Forwards: 70
[last_From:]
[last_To:]
[last_Call-ID:]
CSeq: [cseq] ACK
Content-Length: 0

]]>`;
  // SIPp waits at the first recv of a group of optional recvs (and after each provisional response at the next
  // one): the response timeout goes on those.
  const wait = ` timeout="${o.responseTimeoutMs}" ontimeout="timeout"`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="uac">
  <send retrans="500">${invite(false)}</send>
  <recv response="100" optional="true"${wait}/>
  <recv response="180" optional="true"${wait}/>
  <recv response="183" optional="true"${wait}/>
${finalResponses({ except: [200, 401, 407], next: "rejected" })}
  <recv response="200" optional="true" rrs="true" next="answered"><action><log message="RESULT [call_number] 200"/></action></recv>
  <recv response="401" optional="true" auth="true" next="challenged"><action><log message="CHALLENGE [call_number] 401"/></action></recv>
  <recv response="407" auth="true" next="challenged"><action><log message="CHALLENGE [call_number] 407"/></action></recv>

  <label id="challenged"/>
  <send>${ackNon2xx}</send>
  <send retrans="500">${invite(true)}</send>
  <recv response="100" optional="true"${wait}/>
  <recv response="180" optional="true"${wait}/>
  <recv response="183" optional="true"${wait}/>
${finalResponses({ except: [200], next: "rejected" })}
  <recv response="200" rrs="true" next="answered"><action><log message="RESULT [call_number] 200"/></action></recv>

  <label id="answered"/>
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
Max-Forwards: 70
[last_From:]
[last_To:]
[last_Call-ID:]
CSeq: [cseq] ACK
Content-Length: 0

]]></send>
  <pause milliseconds="${o.holdMs}"/>
  <send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
Max-Forwards: 70
[last_From:]
[last_To:]
[last_Call-ID:]
CSeq: [cseq] BYE
Content-Length: 0

]]></send>
  <recv response="200" timeout="${o.responseTimeoutMs}" ontimeout="byefailed"/>
  <nop next="done"/>

  <label id="byefailed"/>
  <nop next="done"><action><log message="BYEFAILED [call_number]"/></action></nop>

  <label id="rejected"/>
  <send>${ackNon2xx}</send>
  <nop next="done"/>
${TIMEOUT_LABEL}
  <label id="done"/>
</scenario>
`;
}

export function uasScenario(o: { answerCode: number }) {
  const reply = (code: number, reason: string, o2: { sdp: boolean; addTag: boolean }) => `<![CDATA[
SIP/2.0 ${code} ${reason}
[last_Via:]
[last_From:]
[last_To:]${o2.addTag ? ";tag=[pid]SIPpTag01[call_number]" : ""}
[last_Call-ID:]
[last_CSeq:]
[last_Record-Route:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
${
  o2.sdp
    ? `Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000`
    : "Content-Length: 0\n"
}
]]>`;
  const answer =
    o.answerCode === 200
      ? `  <send>${reply(200, "OK", { sdp: true, addTag: true })}</send>
  <recv request="ACK"/>
  <recv request="BYE"/>
  <send>${reply(200, "OK", { sdp: false, addTag: false })}</send>`
      : `  <send>${reply(o.answerCode, "Rejected", { sdp: false, addTag: true })}</send>
  <recv request="ACK"/>`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="uas">
  <recv request="INVITE" crlf="true">
    <action>
      <ereg regexp="^INVITE [^ ]+" search_in="msg" assign_to="ruri"/>
      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="from"/>
      <ereg regexp=".*" search_in="hdr" header="P-Asserted-Identity:" check_it="false" assign_to="pai"/>
      <log message="INVITE|[call_id]|[$ruri]|[$from]|[$pai]"/>
    </action>
  </recv>
${answer}
</scenario>
`;
}
