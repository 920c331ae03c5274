import { parseSipMessage } from "../sip/message";
import { isCapture, readCapture } from "./capture";
import { checkMessages, type Finding, type TraceMessage, type TrunkExpectations } from "./findings";
import { readTraceText } from "./trace-text";

export type { Finding, TrunkExpectations } from "./findings";

export type ReportMessage = {
  index: number;
  /** The start line: "INVITE sip:…" or "SIP/2.0 403 …". */
  summary: string;
  time: string | null;
  source: string | null;
  destination: string | null;
  transport: string | null;
  findings: Finding[];
};

export type PacketCheckReport = {
  input: "text" | "capture";
  warnings: string[];
  messages: ReportMessage[];
  overall: Finding[];
  errorCount: number;
  /** The SIP messages read, one after another (for saving), with digest responses masked. */
  text: string;
};

/**
 * Text that PostgreSQL can store and a page can show: no NUL characters and no lone UTF-16 surrogates (a capture's
 * bytes and a hostile paste may contain both).
 */
export function storable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing NUL is the point.
  return text.replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

/** A digest response with its nonce could be attacked offline; nothing else in a SIP trace is a secret. */
function maskDigestResponses(text: string): string {
  return text.replace(/\b(response\s*=\s*)("?)[0-9a-fA-F]{8,}\2/g, '$1"…"');
}

/** Reads a pasted trace or an uploaded capture (pcap, pcapng, or a text export saved as a file) and checks it. */
export function checkTrace(input: { text?: string; file?: Uint8Array }, trunk: TrunkExpectations): PacketCheckReport {
  const warnings: string[] = [];
  let traced: (Omit<TraceMessage, "message"> & { text: string; time: Date | null })[];
  let kind: PacketCheckReport["input"] = "text";
  if (input.file && isCapture(input.file)) {
    kind = "capture";
    const capture = readCapture(input.file);
    warnings.push(...capture.warnings);
    traced = capture.messages;
  } else {
    const text = input.file ? new TextDecoder("utf-8", { fatal: false }).decode(input.file) : (input.text ?? "");
    traced = readTraceText(storable(text)).map((message) => ({ ...message, time: null }));
  }
  const parsed = traced
    .map((entry) => ({ ...entry, message: parseSipMessage(storable(entry.text)) }))
    .filter((entry): entry is typeof entry & { message: NonNullable<typeof entry.message> } => entry.message !== null);
  const { perMessage, overall } = checkMessages(parsed, trunk);
  const messages = parsed.map((entry, index) => ({
    index: index + 1,
    summary: entry.message.raw.split("\n", 1)[0]?.slice(0, 300) ?? "",
    time: entry.time && !Number.isNaN(entry.time.getTime()) ? entry.time.toISOString() : null,
    source: entry.source,
    destination: entry.destination,
    transport: entry.transport,
    findings: perMessage[index] ?? [],
  }));
  const errorCount = [...overall, ...messages.flatMap((message) => message.findings)].filter(
    (finding) => finding.severity === "error",
  ).length;
  return {
    input: kind,
    warnings,
    messages,
    overall,
    errorCount,
    text: maskDigestResponses(parsed.map((entry) => entry.message.raw.replace(/\n/g, "\r\n")).join("\r\n")),
  };
}
