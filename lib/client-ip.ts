import { BlockList, isIP } from "node:net";

/**
 * Which hops in front of the portal may say who the client is (`TRUSTED_PROXIES`): none (the default: the client is
 * the address of the TCP connection and `X-Forwarded-For` is ignored), a number of proxy hops, or a list of proxy
 * addresses and CIDR ranges.
 */
export type TrustedProxies = { kind: "none" } | { kind: "hops"; hops: number } | { kind: "addresses"; list: BlockList };

/** Parses `TRUSTED_PROXIES`: empty or "0" (none), a hop count such as "1", or "10.0.0.0/8, 192.0.2.7, fd00::/8". */
export function parseTrustedProxies(value: string | undefined): TrustedProxies {
  const text = value?.trim() ?? "";
  if (text === "" || text === "0") return { kind: "none" };
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > 32) throw new Error("a hop count must be at most 32");
    return { kind: "hops", hops };
  }
  const list = new BlockList();
  for (const entry of text.split(",").map((part) => part.trim())) {
    const [address = "", prefix, extra] = entry.split("/");
    const family = isIP(address);
    if (!family || extra !== undefined) throw new Error(`"${entry}" is not an IP address or CIDR range`);
    const type = family === 4 ? "ipv4" : "ipv6";
    if (prefix === undefined) {
      list.addAddress(address, type);
      continue;
    }
    const bits = /^\d+$/.test(prefix) ? Number(prefix) : Number.NaN;
    if (!(bits >= 0 && bits <= (family === 4 ? 32 : 128))) throw new Error(`"${entry}" has an invalid prefix length`);
    list.addSubnet(address, bits, type);
  }
  return { kind: "addresses", list };
}

/** An address as a proxy or socket reports it, reduced to a bare IP ("::ffff:192.0.2.1" and "[::1]:443" included). */
function normalize(raw: string | null | undefined): string | null {
  let value = raw?.trim() ?? "";
  const bracketed = value.match(/^\[([^\]]+)\](?::\d+)?$/);
  if (bracketed) value = bracketed[1] ?? "";
  else if (/^[\d.]+:\d+$/.test(value)) value = value.slice(0, value.lastIndexOf(":"));
  const mapped = value.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i);
  if (mapped) value = mapped[1] ?? "";
  return isIP(value) ? value.toLowerCase() : null;
}

const isTrusted = (list: BlockList, address: string) => list.check(address, isIP(address) === 4 ? "ipv4" : "ipv6");

/**
 * The client's address: the TCP peer unless trusted proxies stand in front of the portal, in which case the
 * `X-Forwarded-For` chain is read from the right, skipping exactly the hops that are trusted. Anything further left
 * was written by the client and proves nothing.
 */
export function resolveClientIp(args: {
  peer: string | null | undefined;
  forwardedFor: string | null | undefined;
  trusted: TrustedProxies;
}): string | null {
  const peer = normalize(args.peer);
  if (args.trusted.kind === "none" || !peer) return peer;
  const chain = [...(args.forwardedFor ?? "").split(",").filter((hop) => hop.trim()), peer];
  if (args.trusted.kind === "hops") {
    return normalize(chain[Math.max(0, chain.length - 1 - args.trusted.hops)]);
  }
  let index = chain.length - 1;
  for (;;) {
    const hop = normalize(chain[index]);
    if (!hop) return null;
    if (index === 0 || !isTrusted(args.trusted.list, hop)) return hop;
    index--;
  }
}

/**
 * The portal's server (scripts/serve.mjs) writes the TCP peer address into this request header, replacing anything
 * a client sent under that name. Next.js itself does not expose the socket to route handlers or server actions.
 */
export const PEER_ADDRESS_HEADER = "x-trunk-portal-peer";
/** Set by scripts/serve.mjs in its own process: the header above is only believed when that server wrote it. */
export const PEER_ADDRESS_STAMPED_ENV = "TRUNK_PORTAL_PEER_ADDRESS_STAMPED";

/** The client address of a request, for throttles and the audit log; null when the portal cannot know it. */
export function clientIp(headers: Headers, trusted: TrustedProxies): string | null {
  if (process.env[PEER_ADDRESS_STAMPED_ENV] !== "1") return null;
  return resolveClientIp({
    peer: headers.get(PEER_ADDRESS_HEADER),
    forwardedFor: headers.get("x-forwarded-for"),
    trusted,
  });
}
