import { describe, expect, it } from "vitest";
import { parseNameAddr, parseSipMessage, parseUri, parseVia } from "../sip/message";
import { checkTrace, type TrunkExpectations } from ".";
import { readCapture } from "./capture";

/**
 * Thousands of malformed inputs, deterministic (seeded): truncated and bit-flipped captures, garbage and hostile
 * text, absurd lengths. The packet check must return a report for every one of them, never throw.
 */

const trunk: TrunkExpectations = {
  username: "acme123456",
  hostnames: ["Sip1.CelitoVoice.example"],
  realms: ["sip1.celitovoice.example"],
  dids: ["+19193333333"],
  isDemo: false,
  dialPermission: "COUNTRIES",
  allowedCountries: ["GB"],
  callerIdPolicy: "OWN_DIDS",
  forcedCallerId: null,
  callLimit: 5,
};

/** mulberry32: a small seeded PRNG, so a failure can be replayed. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SIP = [
  "INVITE sip:+442071234567@Sip1.CelitoVoice.example SIP/2.0",
  "Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK1;rport",
  'From: "A" <sip:+19193333333@Sip1.CelitoVoice.example>;tag=1',
  "To: <sip:+442071234567@sip1.celitovoice.example>",
  "Call-ID: c1",
  "CSeq: 1 INVITE",
  "Contact: <sip:acme123456@192.168.1.10:5060>",
  'Proxy-Authorization: Digest username="acme123456", realm="sip1.celitovoice.example", response="00"',
  "Content-Type: application/sdp",
  "Content-Length: 30",
  "",
  "v=0\r\nc=IN IP4 10.1.1.1\r\nm=audio",
].join("\r\n");

/** A one-packet capture: Ethernet, IPv4, UDP, SIP. */
function udpPacket(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(14 + 20 + 8 + payload.length);
  const view = new DataView(frame.buffer);
  view.setUint16(12, 0x0800);
  frame[14] = 0x45;
  view.setUint16(16, 20 + 8 + payload.length);
  frame[23] = 17;
  frame.set([192, 168, 1, 10], 26);
  frame.set([203, 0, 113, 5], 30);
  view.setUint16(34, 5060);
  view.setUint16(36, 5060);
  view.setUint16(38, 8 + payload.length);
  frame.set(payload, 42);
  return frame;
}

function pcap(frames: Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [new Uint8Array(24)];
  const header = new DataView(parts[0]?.buffer as ArrayBuffer);
  header.setUint32(0, 0xa1b2c3d4, true);
  header.setUint16(4, 2, true);
  header.setUint16(6, 4, true);
  header.setUint32(16, 65535, true);
  header.setUint32(20, 1, true);
  for (const frame of frames) {
    const record = new Uint8Array(16);
    const view = new DataView(record.buffer);
    view.setUint32(0, 1_700_000_000, true);
    view.setUint32(8, frame.length, true);
    view.setUint32(12, frame.length, true);
    parts.push(record, frame);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function pcapng(frames: Uint8Array[]): Uint8Array {
  const blocks: number[] = [];
  const push32 = (v: number) => blocks.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  const block = (type: number, body: number[]) => {
    const padded = [...body, ...new Array((4 - (body.length % 4)) % 4).fill(0)];
    push32(type);
    push32(padded.length + 12);
    blocks.push(...padded);
    push32(padded.length + 12);
  };
  block(0x0a0d0d0a, [0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255]);
  block(1, [1, 0, 0, 0, 255, 255, 0, 0]);
  for (const frame of frames) {
    const body = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const len = [frame.length & 0xff, (frame.length >> 8) & 0xff, 0, 0];
    block(6, [...body, ...len, ...len, ...frame]);
  }
  return new Uint8Array(blocks);
}

const encoder = new TextEncoder();
const validPcap = pcap([udpPacket(encoder.encode(SIP))]);
const validPcapng = pcapng([udpPacket(encoder.encode(SIP))]);

function mutate(bytes: Uint8Array, rand: () => number): Uint8Array {
  const out = Uint8Array.from(bytes);
  const kind = Math.floor(rand() * 4);
  if (kind === 0) return out.subarray(0, Math.floor(rand() * out.length));
  const flips = 1 + Math.floor(rand() * 12);
  for (let i = 0; i < flips; i++) out[Math.floor(rand() * out.length)] = Math.floor(rand() * 256);
  if (kind === 2) {
    // Lengths set to something absurd.
    const view = new DataView(out.buffer);
    const at = Math.floor(rand() * Math.max(1, out.length - 4));
    view.setUint32(at, Math.floor(rand() * 2 ** 32), rand() < 0.5);
  }
  if (kind === 3) return Uint8Array.from([...out, ...out.subarray(0, Math.floor(rand() * out.length))]);
  return out;
}

function garbageText(rand: () => number): string {
  const pieces = [
    SIP,
    "SIP/2.0 ",
    "INVITE ",
    " SIP/2.0\n",
    "\r\n\r\n",
    "Content-Length: 99999999\n",
    "Via: SIP/2.0/\n",
    'From: "unterminated <sip:',
    "<--- Received SIP response (1 bytes) from UDP:1.2.3.4:99999 --->\n",
    "1.2.3.4:5060 -> 5.6.7.8:5060\n",
    "\u0000\ud800\uffff",
    " ".repeat(5000),
    "a".repeat(3000),
    "\t folded\n",
    "CSeq: x INVITE\n",
    'Proxy-Authorization: Digest ,,,=,"\n',
  ];
  let text = "";
  const count = 1 + Math.floor(rand() * 20);
  for (let i = 0; i < count; i++) {
    const piece = pieces[Math.floor(rand() * pieces.length)] as string;
    const cut = rand() < 0.3 ? piece.slice(0, Math.floor(rand() * piece.length)) : piece;
    text += cut;
  }
  return text;
}

// Volume, not speed: a loaded CI machine gets all the time it needs (a hang would still fail).
describe("the packet check under malformed input", { timeout: 120_000 }, () => {
  it("reads the unbroken pcap and pcapng it mutates", () => {
    for (const capture of [validPcap, validPcapng]) {
      const { messages, warnings } = readCapture(capture);
      expect(warnings).toEqual([]);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatchObject({ source: "192.168.1.10:5060", destination: "203.0.113.5:5060" });
    }
  });

  it("returns a report for 3000 broken captures and 3000 hostile texts, never an exception", () => {
    const rand = random(12);
    for (let i = 0; i < 3000; i++) {
      const file = mutate(i % 2 ? validPcap : validPcapng, rand);
      expect(() => checkTrace({ file }, trunk), `capture #${i}`).not.toThrow();
    }
    for (let i = 0; i < 3000; i++) {
      const text = garbageText(rand);
      const report = checkTrace({ text }, trunk);
      expect(
        report.messages.every((m) => !m.summary.includes("\u0000")),
        `text #${i}`,
      ).toBe(true);
    }
  });

  it("parses random header values without throwing", () => {
    const rand = random(34);
    const alphabet = '<>"\\;:@,= \t[]sip:SIP/2.0/UDPabc123.-';
    for (let i = 0; i < 3000; i++) {
      const value = Array.from(
        { length: Math.floor(rand() * 80) },
        () => alphabet[Math.floor(rand() * alphabet.length)],
      ).join("");
      expect(() => [parseUri(value), parseNameAddr(value), parseVia(value), parseSipMessage(value)]).not.toThrow();
    }
  });
});
