/**
 * A small, defensive SIP message parser (RFC 3261 §7): start line, headers (compact forms, folded lines, several
 * values per header line), and the body cut at Content-Length. Shared by the credential self-test client, which reads
 * a registrar's replies, and the packet check, which reads whatever a customer pastes or uploads. It never throws on
 * malformed input: it returns null, or a message with what could be read.
 */

export type SipHeader = { name: string; value: string };

type MessageBase = {
  headers: SipHeader[];
  body: string;
  /** The message exactly as read (start line to the end of the body). */
  raw: string;
};
export type SipRequest = MessageBase & { kind: "request"; method: string; requestUri: string };
export type SipResponse = MessageBase & { kind: "response"; status: number; reason: string };
export type SipMessage = SipRequest | SipResponse;

/** RFC 3261 §7.3.3 compact header names, and the names this code asks for, in their long form (lower case). */
const COMPACT: Record<string, string> = {
  i: "call-id",
  m: "contact",
  e: "content-encoding",
  l: "content-length",
  c: "content-type",
  f: "from",
  s: "subject",
  k: "supported",
  t: "to",
  v: "via",
  o: "event",
  u: "allow-events",
  r: "refer-to",
  b: "referred-by",
  x: "session-expires",
  y: "identity",
  a: "accept-contact",
  j: "reject-contact",
  d: "request-disposition",
};

/** Headers whose lines may carry several comma-separated values (RFC 3261 §7.3.1). */
const MULTI_VALUE = new Set(["via", "contact", "route", "record-route", "allow", "supported", "require"]);

export const REQUEST_LINE = /^([A-Za-z][A-Za-z0-9.!%*_+`'~-]{0,31}) (\S{1,2048}) SIP\/2\.0$/;
export const STATUS_LINE = /^SIP\/2\.0 ([1-6][0-9]{2})(?: (.{0,512}))?$/;

/** Long, lower-case form of a header name. */
export function canonicalHeaderName(name: string): string {
  const lower = name.trim().toLowerCase();
  return COMPACT[lower] ?? lower;
}

/** Splits a header value at commas that are outside quotes and angle brackets. */
export function splitHeaderValues(value: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quoted) {
      if (ch === "\\") i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === "<") depth++;
    else if (ch === ">") depth = Math.max(0, depth - 1);
    else if (ch === "," && depth === 0) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts.map((part) => part.trim()).filter((part) => part !== "");
}

const MAX_HEADERS = 200;

/**
 * Parses one SIP message. `text` may use CRLF or bare LF line ends (pasted traces often lose the CRs). Returns null
 * when the first line is neither a request line nor a status line.
 */
export function parseSipMessage(text: string): SipMessage | null {
  const normalised = text.replace(/\r\n?/g, "\n");
  const headerEnd = normalised.indexOf("\n\n");
  const head = headerEnd === -1 ? normalised : normalised.slice(0, headerEnd);
  const rest = headerEnd === -1 ? "" : normalised.slice(headerEnd + 2);
  const lines = head.split("\n");
  const startLine = (lines.shift() ?? "").trim();

  const headers: SipHeader[] = [];
  for (const line of lines) {
    if (headers.length >= MAX_HEADERS) break;
    if (/^[ \t]/.test(line) && headers.length > 0) {
      // A folded continuation line (RFC 3261 §7.3.1).
      const last = headers[headers.length - 1] as SipHeader;
      last.value = `${last.value} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    if (!/^[A-Za-z0-9!%*_+`'~.-]+$/.test(name)) continue;
    const canonical = canonicalHeaderName(name);
    const value = line.slice(colon + 1).trim();
    const values = MULTI_VALUE.has(canonical) ? splitHeaderValues(value) : [value];
    for (const single of values) headers.push({ name: canonical, value: single });
  }

  const lengthHeader = headers.find((header) => header.name === "content-length")?.value;
  const declared = lengthHeader !== undefined && /^\d{1,9}$/.test(lengthHeader) ? Number(lengthHeader) : null;
  const body = declared === null ? rest : rest.slice(0, declared);
  const raw = headerEnd === -1 ? normalised : normalised.slice(0, headerEnd + 2 + body.length);

  const request = REQUEST_LINE.exec(startLine);
  if (request) {
    return {
      kind: "request",
      method: (request[1] as string).toUpperCase(),
      requestUri: request[2] as string,
      headers,
      body,
      raw,
    };
  }
  const response = STATUS_LINE.exec(startLine);
  if (response) {
    return { kind: "response", status: Number(response[1]), reason: (response[2] ?? "").trim(), headers, body, raw };
  }
  return null;
}

/** The first value of a header (any name form), or undefined. */
export function headerValue(message: { headers: SipHeader[] }, name: string): string | undefined {
  const wanted = canonicalHeaderName(name);
  return message.headers.find((header) => header.name === wanted)?.value;
}

/** Every value of a header, in order. */
export function headerValues(message: { headers: SipHeader[] }, name: string): string[] {
  const wanted = canonicalHeaderName(name);
  return message.headers.filter((header) => header.name === wanted).map((header) => header.value);
}

/** "CSeq: 2 REGISTER" → { seq: 2, method: "REGISTER" }. */
export function parseCSeq(value: string | undefined): { seq: number; method: string } | null {
  const match = value ? /^(\d{1,10})\s+([A-Za-z]+)$/.exec(value.trim()) : null;
  return match ? { seq: Number(match[1]), method: (match[2] as string).toUpperCase() } : null;
}

export type SipUri = {
  scheme: "sip" | "sips" | "tel";
  user: string | null;
  host: string;
  port: number | null;
  params: Record<string, string>;
};

/** Parses sip:, sips: and tel: URIs (user, host exactly as written, port, parameters). Null when malformed. */
export function parseUri(input: string): SipUri | null {
  const uri = input.trim();
  const tel = /^tel:([^;]+)(.*)$/i.exec(uri);
  if (tel) return { scheme: "tel", user: tel[1] as string, host: "", port: null, params: parseParams(tel[2] ?? "") };
  const match = /^(sips?):(?:([^@]*)@)?(\[[0-9A-Fa-f:.]+\]|[^:;?>\s]+)(?::(\d{1,5}))?([^?]*)/i.exec(uri);
  if (!match) return null;
  const port = match[4] ? Number(match[4]) : null;
  if (port !== null && (port < 1 || port > 65535)) return null;
  const userInfo = match[2] ?? null;
  return {
    scheme: (match[1] as string).toLowerCase() as "sip" | "sips",
    // A password in the user info (user:password@host) is dropped; it must never be shown.
    user: userInfo === null ? null : (userInfo.split(":")[0] as string),
    host: match[3] as string,
    port,
    params: parseParams(match[5] ?? ""),
  };
}

/** ";a=1;lr;B=2" → { a: "1", lr: "", b: "2" } (names lower-cased, values as written). */
export function parseParams(text: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const part of text.split(";")) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf("=");
    const name = (eq === -1 ? trimmed : trimmed.slice(0, eq)).trim().toLowerCase();
    if (name) params[name] = eq === -1 ? "" : unquote(trimmed.slice(eq + 1).trim());
  }
  return params;
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"')
    ? value.slice(1, -1).replace(/\\(.)/g, "$1")
    : value;
}

export type NameAddr = { display: string | null; uri: SipUri | null; uriText: string; params: Record<string, string> };

/** From / To / Contact value: optional display name, the URI, header parameters (tag, expires…). */
export function parseNameAddr(value: string | undefined): NameAddr | null {
  if (!value) return null;
  let rest = value.trim();
  let display: string | null = null;
  // Scanned by hand rather than with one regular expression: a hostile value must cost linear time.
  if (rest.startsWith('"')) {
    let end = 1;
    while (end < rest.length && rest[end] !== '"') end += rest[end] === "\\" ? 2 : 1;
    display = rest.slice(1, end).replace(/\\(.)/g, "$1");
    rest = rest.slice(end + 1).trim();
  }
  const open = rest.indexOf("<");
  const close = open === -1 ? -1 : rest.indexOf(">", open);
  if (open !== -1 && close !== -1) {
    if (display === null) display = rest.slice(0, open).trim() || null;
    const uriText = rest.slice(open + 1, close);
    return { display, uri: parseUri(uriText), uriText, params: parseParams(rest.slice(close + 1)) };
  }
  // addr-spec without angle brackets: header parameters follow the URI (RFC 3261 §20.10).
  const semi = rest.indexOf(";");
  const uriText = (semi === -1 ? rest : rest.slice(0, semi)).trim();
  return { display, uri: parseUri(uriText), uriText, params: parseParams(semi === -1 ? "" : rest.slice(semi)) };
}

export type Via = { transport: string; host: string; port: number | null; params: Record<string, string> };

/** "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK…;rport" */
export function parseVia(value: string | undefined): Via | null {
  const match = value
    ? /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)\s+(\[[0-9A-Fa-f:.]+\]|[^\s:;]+)(?::(\d{1,5}))?(.*)$/i.exec(value.trim())
    : null;
  if (!match) return null;
  return {
    transport: (match[1] as string).toUpperCase(),
    host: match[2] as string,
    port: match[3] ? Number(match[3]) : null,
    params: parseParams(match[4] ?? ""),
  };
}
