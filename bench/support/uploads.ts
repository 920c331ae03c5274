/**
 * The biggest request body the portal accepts, sent over and over while a benchmark runs: a packet check with an
 * 8 MB capture (MAX_CAPTURE_BYTES) full of SIP messages and 2,000,000 characters of pasted trace (MAX_TRACE_CHARS),
 * about 10 MB of the 12 MB server-action body limit (next.config.mjs), posted the way a browser without JavaScript
 * submits the form (its hidden server-action fields, multipart). What a web server's memory limit must survive.
 */
import { MAX_CAPTURE_BYTES, MAX_TRACE_CHARS } from "../../lib/packet-check/service";

function sipMessage(index: number, username: string): string {
  return [
    `REGISTER sip:sip1.example.net SIP/2.0`,
    `Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK${index.toString(16).padStart(8, "0")};rport`,
    `Max-Forwards: 70`,
    `From: <sip:${username}@sip1.example.net>;tag=${index}`,
    `To: <sip:${username}@sip1.example.net>`,
    `Call-ID: ${index}@192.168.1.20`,
    `CSeq: ${index} REGISTER`,
    `Contact: <sip:${username}@192.168.1.20:5060>`,
    `Expires: 300`,
    `User-Agent: bench PBX`,
    `Content-Length: 0`,
    "",
    "",
  ].join("\r\n");
}

/** A classic pcap (raw IPv4, link type 101) of SIP over UDP, as close to `bytes` as whole packets allow. */
function capture(bytes: number, username: string): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(101, 20);
  const parts = [header];
  let size = header.length;
  for (let index = 1; ; index++) {
    const sip = Buffer.from(sipMessage(index, username));
    const packet = Buffer.alloc(28 + sip.length);
    packet.writeUInt8(0x45, 0); // IPv4, 20-byte header
    packet.writeUInt16BE(packet.length, 2);
    packet.writeUInt8(64, 8);
    packet.writeUInt8(17, 9); // UDP
    Buffer.from([192, 168, 1, 20]).copy(packet, 12);
    Buffer.from([192, 0, 2, 10]).copy(packet, 16);
    packet.writeUInt16BE(5060, 20);
    packet.writeUInt16BE(5060, 22);
    packet.writeUInt16BE(8 + sip.length, 24);
    sip.copy(packet, 28);
    const record = Buffer.alloc(16);
    record.writeUInt32LE(1_764_000_000 + index, 0);
    record.writeUInt32LE(packet.length, 8);
    record.writeUInt32LE(packet.length, 12);
    if (size + record.length + packet.length > bytes) break;
    parts.push(record, packet);
    size += record.length + packet.length;
  }
  return Buffer.concat(parts);
}

function trace(chars: number, username: string): string {
  let text = "";
  for (let index = 1; text.length < chars; index++) text += sipMessage(index, username);
  return text.slice(0, chars);
}

const entities: Record<string, string> = { "&quot;": '"', "&amp;": "&", "&lt;": "<", "&gt;": ">", "&#x27;": "'" };
const decode = (value: string) => value.replace(/&(quot|amp|lt|gt|#x27);/g, (entity) => entities[entity] ?? entity);

/** The hidden fields React renders into the packet check's form for a submission without JavaScript. */
function hiddenFields(html: string): [string, string][] {
  const form = /<form[^>]*aria-label="Packet check"[^>]*>([\s\S]*?)<\/form>/.exec(html)?.[1];
  if (!form) throw new Error("no packet check form on the page");
  return [...form.matchAll(/<input[^>]*type="hidden"[^>]*>/g)].map(([input]) => [
    decode(/name="([^"]*)"/.exec(input)?.[1] ?? ""),
    decode(/value="([^"]*)"/.exec(input)?.[1] ?? ""),
  ]);
}

export type UploadLoad = { stop: () => Promise<{ sent: number; ms: number[]; failures: string[] }> };

/** `clients` uploaders posting the biggest packet check to `pageUrl` (a trunk's packet check page) until stopped. */
export async function startUploads(pageUrl: string, cookie: string, username: string, clients: number) {
  const origin = new URL(pageUrl).origin;
  const page = await fetch(pageUrl, { headers: { cookie } });
  if (!page.ok) throw new Error(`${pageUrl}: HTTP ${page.status}`);
  const fields = hiddenFields(await page.text());
  const file = new Blob([new Uint8Array(capture(MAX_CAPTURE_BYTES, username))]);
  const pasted = trace(MAX_TRACE_CHARS, username);
  let running = true;
  const times: number[] = [];
  const failures: string[] = [];
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      const form = new FormData();
      for (const [name, value] of fields) form.append(name, value);
      form.append("trace", pasted);
      form.append("capture", file, "big.pcap");
      const started = performance.now();
      try {
        const response = await fetch(pageUrl, { method: "POST", body: form, headers: { cookie, origin } });
        const body = await response.text();
        // The report lists the capture's messages: the body was read and checked, not refused.
        if (response.status !== 200 || !body.includes("SIP messages read")) {
          failures.push(`HTTP ${response.status}: ${body.slice(0, 200)}`);
        } else times.push(performance.now() - started);
      } catch (error) {
        failures.push(String(error));
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return { sent: times.length + failures.length, ms: times, failures };
    },
  } satisfies UploadLoad;
}
