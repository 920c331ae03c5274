import dns from "node:dns";
import { BlockList, isIP } from "node:net";
import { z } from "zod";
import { type Env, env } from "../env";

/**
 * Where webhooks may be sent. Every URL is https, except for hosts an operator lists in WEBHOOK_HTTP_HOSTS for
 * testing. Private, loopback, link-local and other non-public addresses are refused (a webhook URL must not reach
 * the portal's own network: SSRF) unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES allows them (off by default: NODE_ENV
 * cannot tell production apart, since `npm start`'s worker runs without it). Hostnames are checked again when each connection is made (see `checkedLookup`), so a name
 * that resolves to a private address later (DNS rebinding) is refused too.
 */
export type WebhookNetworkPolicy = { httpHosts: string[]; allowPrivateAddresses: boolean };

export function webhookNetworkPolicy(
  config: Pick<Env, "WEBHOOK_HTTP_HOSTS" | "WEBHOOK_ALLOW_PRIVATE_ADDRESSES"> = env(),
): WebhookNetworkPolicy {
  return {
    httpHosts: config.WEBHOOK_HTTP_HOSTS,
    allowPrivateAddresses: config.WEBHOOK_ALLOW_PRIVATE_ADDRESSES,
  };
}

const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, "ipv6");
}

/** Whether an IP address is anything but a public unicast address (IPv4-mapped IPv6 addresses included). */
export function isNonPublicAddress(address: string): boolean {
  const mapped = address.toLowerCase().match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/);
  if (mapped?.[1]) return NON_PUBLIC.check(mapped[1], "ipv4");
  const family = isIP(address);
  if (family === 0) return true;
  return NON_PUBLIC.check(address, family === 4 ? "ipv4" : "ipv6");
}

const bareHost = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();

/** Why the URL may not receive webhooks under `policy`, or null. Hostnames are judged later, by their addresses. */
export function refusedUrl(value: string, policy: WebhookNetworkPolicy): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "Enter a full URL, e.g. https://example.com/webhooks/trunk-portal.";
  }
  const host = bareHost(url);
  if (url.protocol === "http:") {
    if (!policy.httpHosts.includes(host)) {
      return "Use https://. Plain http:// is only allowed to hosts listed in WEBHOOK_HTTP_HOSTS (for testing).";
    }
  } else if (url.protocol !== "https:") {
    return "Use an https:// URL.";
  }
  if (url.username || url.password)
    return "Leave user names and passwords out of the URL; the signature proves who sends.";
  if (isIP(host) && isNonPublicAddress(host) && !policy.allowPrivateAddresses) {
    return "This is a private or local address; webhooks go to public addresses only (WEBHOOK_ALLOW_PRIVATE_ADDRESSES).";
  }
  return null;
}

/** A webhook URL, validated against the policy (with the form's field message). */
export const webhookUrl = (policy: WebhookNetworkPolicy) =>
  z
    .string({ error: "Enter the URL to send events to." })
    .trim()
    .min(1, "Enter the URL to send events to.")
    .max(2000, "Use a URL of at most 2000 characters.")
    .superRefine((value, ctx) => {
      const refusal = refusedUrl(value, policy);
      if (refusal) ctx.addIssue({ code: "custom", message: refusal });
    });

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for http(s).request that refuses non-public addresses at connection time, so the address connected to
 * is the address checked. (IP literals never reach a lookup: `refusedUrl` judges them.)
 */
export function checkedLookup(policy: WebhookNetworkPolicy) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, "");
      const refused = addresses.find((entry) => isNonPublicAddress(entry.address));
      if (refused && !policy.allowPrivateAddresses) {
        const denied: NodeJS.ErrnoException = new Error(
          `${hostname} resolves to ${refused.address}, a private or local address; webhooks go to public addresses only`,
        );
        denied.code = "EADDRNOTALLOWED";
        return callback(denied, "");
      }
      if (options.all) return callback(null, addresses);
      const [first] = addresses;
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }), "");
      callback(null, first.address, first.family);
    });
  };
}
