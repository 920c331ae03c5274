/**
 * SIP messages out of pasted text: sngrep's and ngrep's text exports ("2024/05/01 10:00:00.123456
 * 192.0.2.10:5060 -> 203.0.113.5:5060"), Asterisk's `pjsip set logger on` and chan_sip debug ("<--- Transmitting SIP
 * request (1054 bytes) to UDP:203.0.113.5:5060 --->"), FreeSWITCH's siptrace ("send 1054 bytes to udp/[203.0.113.5]:5060
 * at …"), or bare messages one after another. A message starts at a SIP request or status line and ends at the next
 * one, a separator line, or its Content-Length; the address line just before it, when there is one, says where it
 * came from and went.
 */

export type TracedMessage = {
  source: string | null;
  destination: string | null;
  transport: string | null;
  text: string;
};

const START_LINE = /^(?:[A-Za-z][A-Za-z0-9.!%*_+`'~-]{0,31} \S{1,2048} SIP\/2\.0|SIP\/2\.0 [1-6]\d{2}(?: .*)?)$/;
const ADDRESS = String.raw`(\[[0-9A-Fa-f:.]{2,45}\]|[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[A-Za-z0-9.-]{1,253}):(\d{1,5})`;
/** sngrep / ngrep: "src -> dst" (ngrep prefixes the transport letter, U or T). */
const ARROW = new RegExp(`(?:^|\\s)(?:([UT])\\s+)?${ADDRESS}\\s*->\\s*${ADDRESS}`);
/** Asterisk: "Transmitting … to UDP:ip:port" / "Received … from TCP:ip:port" / chan_sip "SIP read from UDP:ip:port". */
const ASTERISK = new RegExp(`\\b(to|from)\\s+(UDP|TCP|TLS|WSS?):${ADDRESS}`, "i");
/** FreeSWITCH: "send 1054 bytes to udp/[ip]:port" / "recv 1054 bytes from tcp/[ip]:port". */
const FREESWITCH = /\b(send|recv)\s+\d+\s+bytes\s+(to|from)\s+(udp|tcp|tls|wss?)\/\[?([0-9A-Fa-f:.]+)\]?:(\d{1,5})/i;
const SEPARATOR = /^\s*(?:<-{2,}.*-{2,}>|-{4,}|={4,}|#{4,})\s*$/;

const MAX_MESSAGES = 2_000;
const MAX_LINE = 8_192;

/** Address lines are short; longer lines are not searched (keeps hostile input cheap). */
const MAX_ADDRESS_LINE = 300;

function addressesOf(line: string): Omit<TracedMessage, "text"> | null {
  if (line.length > MAX_ADDRESS_LINE) return null;
  const arrow = ARROW.exec(line);
  if (arrow) {
    return {
      transport: arrow[1] === "T" ? "TCP" : arrow[1] === "U" ? "UDP" : null,
      source: `${arrow[2]}:${arrow[3]}`,
      destination: `${arrow[4]}:${arrow[5]}`,
    };
  }
  const asterisk = ASTERISK.exec(line);
  if (asterisk) {
    const peer = `${asterisk[3]}:${asterisk[4]}`;
    const sent = (asterisk[1] as string).toLowerCase() === "to";
    return {
      transport: (asterisk[2] as string).toUpperCase(),
      source: sent ? null : peer,
      destination: sent ? peer : null,
    };
  }
  const freeswitch = FREESWITCH.exec(line);
  if (freeswitch) {
    const host = (freeswitch[4] as string).includes(":") ? `[${freeswitch[4]}]` : (freeswitch[4] as string);
    const peer = `${host}:${freeswitch[5]}`;
    const sent = (freeswitch[2] as string).toLowerCase() === "to";
    return {
      transport: (freeswitch[3] as string).toUpperCase(),
      source: sent ? null : peer,
      destination: sent ? peer : null,
    };
  }
  return null;
}

/** Every SIP message in a pasted trace, in order. */
export function readTraceText(input: string): TracedMessage[] {
  const lines = input
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((line) => (line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line));
  const messages: TracedMessage[] = [];
  let current: { meta: Omit<TracedMessage, "text">; lines: string[]; bodyLeft: number | null; inBody: boolean } | null =
    null;
  let pendingMeta: Omit<TracedMessage, "text"> | null = null;

  const finish = () => {
    if (current && messages.length < MAX_MESSAGES) {
      const text = `${current.lines.join("\r\n").trimEnd()}\r\n${current.inBody ? "" : "\r\n"}`;
      messages.push({ ...current.meta, text });
    }
    current = null;
  };

  for (const raw of lines) {
    // Log prefixes before the SIP text (e.g. "[2024-05-01 10:00:00] VERBOSE[123] chan_sip.c: ") are not stripped;
    // the start line must begin the line, as every exporter above writes it.
    const line = raw.trimEnd();
    if (START_LINE.test(line.trim()) && !(current?.inBody && (current.bodyLeft ?? 0) > 0)) {
      finish();
      current = {
        meta: pendingMeta ?? { source: null, destination: null, transport: null },
        lines: [line.trim()],
        bodyLeft: null,
        inBody: false,
      };
      pendingMeta = null;
      continue;
    }
    const meta = addressesOf(line);
    if (meta || SEPARATOR.test(line)) {
      if (current && !(current.inBody && (current.bodyLeft ?? 0) > 0)) finish();
      if (meta) pendingMeta = meta;
      continue;
    }
    if (!current) continue;
    if (!current.inBody) {
      if (line.trim() === "") {
        current.inBody = true;
        const length = current.lines
          .map((l) => /^(?:content-length|l)\s*:\s*(\d{1,9})\s*$/i.exec(l)?.[1])
          .find(Boolean);
        current.bodyLeft = length === undefined ? 0 : Number(length);
        current.lines.push("");
        if (current.bodyLeft === 0) finish();
        continue;
      }
      current.lines.push(line.replace(/^\s+/, (space) => (current?.lines.length ? space : "")));
      continue;
    }
    current.lines.push(line);
    current.bodyLeft = (current.bodyLeft ?? 0) - (line.length + 2);
    if (current.bodyLeft <= 0) finish();
  }
  finish();
  return messages;
}
