/**
 * Reads SIP messages out of a packet capture: classic pcap (microsecond or nanosecond, either byte order) and
 * pcapng (section header, interface description, enhanced and simple packet blocks), over Ethernet (with VLAN
 * tags), Linux cooked capture v1/v2, BSD loopback and raw IP; IPv4 and IPv6; UDP datagrams and TCP streams (segments
 * in sequence order, retransmissions dropped). Everything else in the capture (RTP audio included) is skipped and
 * never kept.
 *
 * No npm library fits: `pcap-parser` reads classic pcap only and is unmaintained since 2016, `pcap-ng-parser` never
 * ends its stream (its _flush does not call back) and is unmaintained since 2019, and `pcap` is a native libpcap
 * binding. This reader is small, bounds-checks every read and never throws on malformed input.
 */

export type CapturedMessage = {
  time: Date | null;
  transport: "UDP" | "TCP";
  source: string;
  destination: string;
  text: string;
};

export type CaptureResult = { messages: CapturedMessage[]; warnings: string[] };

const MAX_PACKETS = 200_000;
const MAX_MESSAGES = 2_000;

type Packet = { linkType: number; time: Date | null; data: Uint8Array };

class Reader {
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    public littleEndian: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  has(offset: number, length: number) {
    return offset >= 0 && length >= 0 && offset + length <= this.bytes.length;
  }
  u16(offset: number) {
    return this.has(offset, 2) ? this.view.getUint16(offset, this.littleEndian) : null;
  }
  u32(offset: number) {
    return this.has(offset, 4) ? this.view.getUint32(offset, this.littleEndian) : null;
  }
}

export function isCapture(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const be = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, false);
  return [0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a].includes(be);
}

function readPcap(bytes: Uint8Array, warnings: string[]): Packet[] {
  const magic = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, false);
  const littleEndian = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
  const nanos = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const r = new Reader(bytes, littleEndian);
  const linkType = r.u32(20);
  if (linkType === null) {
    warnings.push("The capture ends inside its header.");
    return [];
  }
  const packets: Packet[] = [];
  let offset = 24;
  while (offset < bytes.length && packets.length < MAX_PACKETS) {
    const seconds = r.u32(offset);
    const fraction = r.u32(offset + 4);
    const length = r.u32(offset + 8);
    if (seconds === null || fraction === null || length === null || !r.has(offset + 16, length)) {
      warnings.push("The capture ends in the middle of a packet (it was cut short); the packets before it are read.");
      break;
    }
    const time = new Date(seconds * 1000 + (nanos ? fraction / 1e6 : fraction / 1e3));
    packets.push({ linkType: linkType & 0xffff, time, data: bytes.subarray(offset + 16, offset + 16 + length) });
    offset += 16 + length;
  }
  return packets;
}

function readPcapng(bytes: Uint8Array, warnings: string[]): Packet[] {
  const r = new Reader(bytes, true);
  const packets: Packet[] = [];
  let interfaces: { linkType: number; unitsPerSecond: number }[] = [];
  let offset = 0;
  while (offset + 12 <= bytes.length && packets.length < MAX_PACKETS) {
    let type = r.u32(offset);
    if (type === 0x0a0d0d0a) {
      // Section header: its byte-order magic decides how this section is read.
      const magic = new DataView(bytes.buffer, bytes.byteOffset + offset + 8, 4).getUint32(0, true);
      if (magic !== 0x1a2b3c4d && magic !== 0x4d3c2b1a) {
        warnings.push("The pcapng section header has an unknown byte order.");
        break;
      }
      r.littleEndian = magic === 0x1a2b3c4d;
      interfaces = [];
      type = 0x0a0d0d0a;
    }
    const length = r.u32(offset + 4);
    if (length === null || length < 12 || length % 4 !== 0 || !r.has(offset, length)) {
      warnings.push("The capture ends in the middle of a block (it was cut short); the packets before it are read.");
      break;
    }
    const body = offset + 8;
    if (type === 1) {
      const linkType = r.u16(body) ?? 0;
      interfaces.push({ linkType, unitsPerSecond: interfaceResolution(r, body + 8, offset + length - 4) });
    } else if (type === 6 || type === 2) {
      // Enhanced packet block (6), or the obsolete packet block (2) with a 16-bit interface id.
      const iface = interfaces[type === 6 ? (r.u32(body) ?? 0) : (r.u16(body) ?? 0)];
      const high = r.u32(body + 4) ?? 0;
      const low = r.u32(body + 8) ?? 0;
      const captured = r.u32(body + 12) ?? 0;
      if (iface && r.has(body + 20, captured) && body + 20 + captured <= offset + length) {
        const units = high * 2 ** 32 + low;
        packets.push({
          linkType: iface.linkType,
          time: new Date((units / iface.unitsPerSecond) * 1000),
          data: bytes.subarray(body + 20, body + 20 + captured),
        });
      }
    } else if (type === 3) {
      const iface = interfaces[0];
      const end = offset + length - 4;
      if (iface && end > body + 4)
        packets.push({ linkType: iface.linkType, time: null, data: bytes.subarray(body + 4, end) });
    }
    offset += length;
  }
  return packets;
}

/** The if_tsresol option of an interface description block: units per second (10^6 when absent). */
function interfaceResolution(r: Reader, start: number, end: number): number {
  let offset = start;
  while (offset + 4 <= end) {
    const code = r.u16(offset);
    const length = r.u16(offset + 2);
    if (code === null || length === null || code === 0) break;
    if (code === 9 && length >= 1) {
      const value = r.bytes[offset + 4] ?? 6;
      const exponent = value & 0x7f;
      return value & 0x80 ? 2 ** Math.min(exponent, 64) : 10 ** Math.min(exponent, 18);
    }
    offset += 4 + Math.ceil(length / 4) * 4;
  }
  return 1e6;
}

type Segment = { source: string; destination: string; transport: "UDP" | "TCP"; payload: Uint8Array; seq?: number };

/** The IP packet inside a link-layer frame, or null for anything that is not IPv4/IPv6. */
function ipPayload(packet: Packet): Uint8Array | null {
  const d = packet.data;
  const be = new Reader(d, false);
  let offset: number;
  let etherType: number | null;
  switch (packet.linkType) {
    case 1: // Ethernet, with any number of 802.1Q / 802.1ad tags
      offset = 12;
      etherType = be.u16(offset);
      while (etherType === 0x8100 || etherType === 0x88a8) {
        offset += 4;
        etherType = be.u16(offset);
      }
      offset += 2;
      break;
    case 113: // Linux cooked capture v1
      etherType = be.u16(14);
      offset = 16;
      break;
    case 276: // Linux cooked capture v2
      etherType = be.u16(0);
      offset = 20;
      break;
    case 0: // BSD loopback: a 4-byte address family in the capturing host's order
    case 109: {
      const family = d[0] === 0 ? (d[3] ?? 0) : (d[0] ?? 0);
      etherType = family === 2 ? 0x0800 : [24, 28, 30].includes(family) ? 0x86dd : null;
      offset = 4;
      break;
    }
    case 101: // raw IP
    case 12:
    case 14:
    case 228:
    case 229:
      offset = 0;
      etherType = (d[0] ?? 0) >> 4 === 6 ? 0x86dd : 0x0800;
      break;
    default:
      return null;
  }
  if (etherType !== 0x0800 && etherType !== 0x86dd) return null;
  return offset <= d.length ? d.subarray(offset) : null;
}

function ipv4(bytes: Uint8Array, offset: number) {
  return Array.from(bytes.subarray(offset, offset + 4)).join(".");
}

function ipv6(bytes: Uint8Array, offset: number) {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push((((bytes[offset + i] ?? 0) << 8) | (bytes[offset + i + 1] ?? 0)).toString(16));
  return `[${groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::")}]`;
}

/** The UDP or TCP segment in an IP packet (unfragmented packets only: SIP over UDP rarely fragments below 1500). */
function transportSegment(ip: Uint8Array): Segment | null {
  const r = new Reader(ip, false);
  const version = (ip[0] ?? 0) >> 4;
  let protocol: number | undefined;
  let offset: number;
  let end: number;
  let source: string;
  let destination: string;
  if (version === 4) {
    const headerLength = ((ip[0] ?? 0) & 0x0f) * 4;
    const total = r.u16(2) ?? 0;
    const fragment = r.u16(6) ?? 0;
    if (headerLength < 20 || ip.length < 20 || fragment & 0x3fff) return null;
    protocol = ip[9];
    offset = headerLength;
    end = Math.min(ip.length, total || ip.length);
    source = ipv4(ip, 12);
    destination = ipv4(ip, 16);
  } else if (version === 6) {
    if (ip.length < 40) return null;
    protocol = ip[6];
    offset = 40;
    end = Math.min(ip.length, 40 + (r.u16(4) ?? 0));
    // Hop-by-hop, routing and destination options headers come before UDP/TCP.
    for (let hops = 0; (protocol === 0 || protocol === 43 || protocol === 60) && hops < 8; hops++) {
      protocol = ip[offset];
      offset += ((ip[offset + 1] ?? 0) + 1) * 8;
    }
    source = ipv6(ip, 8);
    destination = ipv6(ip, 24);
  } else return null;
  if (offset >= end) return null;
  const sourcePort = r.u16(offset);
  const destinationPort = r.u16(offset + 2);
  if (sourcePort === null || destinationPort === null) return null;
  const from = `${source}:${sourcePort}`;
  const to = `${destination}:${destinationPort}`;
  if (protocol === 17) {
    return { source: from, destination: to, transport: "UDP", payload: ip.subarray(offset + 8, end) };
  }
  if (protocol === 6) {
    const dataOffset = ((ip[offset + 12] ?? 0) >> 4) * 4;
    if (dataOffset < 20) return null;
    return {
      source: from,
      destination: to,
      transport: "TCP",
      seq: r.u32(offset + 4) ?? 0,
      payload: ip.subarray(Math.min(end, offset + dataOffset), end),
    };
  }
  return null;
}

const decoder = new TextDecoder("utf-8", { fatal: false });
const SIP_START = /^(?:[A-Z]{3,16} \S+ SIP\/2\.0|SIP\/2\.0 \d{3})/;

/** Cuts a TCP byte stream into SIP messages by Content-Length. */
function splitStream(text: string): string[] {
  const messages: string[] = [];
  let rest = text.replace(/^(\r?\n)+/, "");
  while (rest.length > 0 && messages.length < MAX_MESSAGES) {
    const headerEnd = rest.search(/\r?\n\r?\n/);
    if (headerEnd === -1) break;
    const separator = rest.slice(headerEnd).startsWith("\r\n\r\n") ? 4 : 2;
    const length = /^(?:content-length|l)[ \t]*:[ \t]*(\d{1,9})/im.exec(rest.slice(0, headerEnd))?.[1];
    const end = headerEnd + separator + Number(length ?? 0);
    messages.push(rest.slice(0, end));
    rest = rest.slice(end).replace(/^(\r?\n)+/, "");
  }
  return messages;
}

/** The SIP messages in a pcap or pcapng capture, in capture order. */
export function readCapture(bytes: Uint8Array): CaptureResult {
  const warnings: string[] = [];
  if (!isCapture(bytes)) return { messages: [], warnings: ["This is not a pcap or pcapng capture."] };
  const magic = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, false);
  const packets = magic === 0x0a0d0d0a ? readPcapng(bytes, warnings) : readPcap(bytes, warnings);
  const messages: CapturedMessage[] = [];
  const streams = new Map<
    string,
    { time: Date | null; source: string; destination: string; text: string; next: number }
  >();
  let skippedFragments = 0;
  for (const packet of packets) {
    if (messages.length >= MAX_MESSAGES) break;
    const ip = ipPayload(packet);
    const segment = ip ? transportSegment(ip) : null;
    if (!segment) {
      if (ip && (ip[0] ?? 0) >> 4 === 4 && (new Reader(ip, false).u16(6) ?? 0) & 0x3fff) skippedFragments++;
      continue;
    }
    if (segment.payload.length === 0) continue;
    if (segment.transport === "UDP") {
      const text = decoder.decode(segment.payload);
      if (SIP_START.test(text))
        messages.push({
          time: packet.time,
          transport: "UDP",
          source: segment.source,
          destination: segment.destination,
          text,
        });
      continue;
    }
    const key = `${segment.source}>${segment.destination}`;
    const stream = streams.get(key);
    const seq = segment.seq ?? 0;
    if (!stream) {
      const text = decoder.decode(segment.payload);
      if (!SIP_START.test(text.replace(/^(\r?\n)+/, ""))) continue;
      streams.set(key, {
        time: packet.time,
        source: segment.source,
        destination: segment.destination,
        text,
        next: (seq + segment.payload.length) >>> 0,
      });
    } else if (seq === stream.next) {
      stream.text += decoder.decode(segment.payload);
      stream.next = (seq + segment.payload.length) >>> 0;
    }
    // Any other sequence number is a retransmission or out of order: dropped.
  }
  for (const stream of streams.values()) {
    for (const text of splitStream(stream.text)) {
      if (messages.length >= MAX_MESSAGES) break;
      messages.push({
        time: stream.time,
        transport: "TCP",
        source: stream.source,
        destination: stream.destination,
        text,
      });
    }
  }
  if (skippedFragments) warnings.push(`${skippedFragments} fragmented IP packets were skipped.`);
  if (packets.length >= MAX_PACKETS) warnings.push(`Only the first ${MAX_PACKETS} packets were read.`);
  messages.sort((a, b) => (a.time?.getTime() ?? 0) - (b.time?.getTime() ?? 0));
  return { messages, warnings };
}
