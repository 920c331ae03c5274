import { afterEach, describe, expect, it } from "vitest";
import {
  clientIp,
  PEER_ADDRESS_HEADER,
  PEER_ADDRESS_STAMPED_ENV,
  parseTrustedProxies,
  resolveClientIp,
} from "./client-ip";

const resolve = (peer: string, forwardedFor: string | null, trusted?: string) =>
  resolveClientIp({ peer, forwardedFor, trusted: parseTrustedProxies(trusted) });

describe("the client's address", () => {
  it("is the TCP peer, whatever X-Forwarded-For says, unless TRUSTED_PROXIES is set", () => {
    expect(resolve("198.51.100.7", "6.6.6.6")).toBe("198.51.100.7");
    expect(resolve("::ffff:198.51.100.7", "6.6.6.6, 7.7.7.7", "")).toBe("198.51.100.7");
    expect(resolve("2001:db8::1", "6.6.6.6", "0")).toBe("2001:db8::1");
  });

  it("skips exactly the configured number of proxy hops", () => {
    // client → proxy A (adds the client) → proxy B (adds A) → portal (peer B)
    expect(resolve("10.0.0.2", "203.0.113.5, 10.0.0.1", "2")).toBe("203.0.113.5");
    // A client's own X-Forwarded-For entries stay to the left of what the proxies add, and are never reached.
    expect(resolve("10.0.0.2", "6.6.6.6, 203.0.113.5, 10.0.0.1", "2")).toBe("203.0.113.5");
    expect(resolve("10.0.0.1", "6.6.6.6, 203.0.113.5", "1")).toBe("203.0.113.5");
    // Fewer hops than configured: the leftmost address is all there is.
    expect(resolve("10.0.0.1", null, "3")).toBe("10.0.0.1");
  });

  it("walks back only through trusted proxy addresses", () => {
    const trusted = "10.0.0.0/8, 192.0.2.10, fd00::/8";
    expect(resolve("10.1.2.3", "6.6.6.6, 203.0.113.5, 192.0.2.10", trusted)).toBe("203.0.113.5");
    expect(resolve("[fd00::1]:443", "203.0.113.5", trusted)).toBe("203.0.113.5");
    // A peer that is not a trusted proxy is the client: its X-Forwarded-For is its own invention.
    expect(resolve("198.51.100.7", "6.6.6.6", trusted)).toBe("198.51.100.7");
    // Everything trusted: the leftmost hop.
    expect(resolve("10.0.0.3", "10.0.0.2", trusted)).toBe("10.0.0.2");
    // Garbage where an address should be is not an address.
    expect(resolve("10.0.0.3", "<script>", trusted)).toBeNull();
  });

  it("refuses a malformed TRUSTED_PROXIES", () => {
    for (const value of ["yes", "10.0.0.0/33", "10.0.0.1/8/8", "fd00::/129", "10.0.0.1, nope", "99"]) {
      expect(() => parseTrustedProxies(value), value).toThrow();
    }
  });
});

describe("a request's client address", () => {
  afterEach(() => {
    delete process.env[PEER_ADDRESS_STAMPED_ENV];
  });
  const headers = new Headers({ [PEER_ADDRESS_HEADER]: "127.0.0.1", "x-forwarded-for": "6.6.6.6" });

  it("comes from the peer address the portal's server wrote", () => {
    process.env[PEER_ADDRESS_STAMPED_ENV] = "1";
    expect(clientIp(headers, parseTrustedProxies(undefined))).toBe("127.0.0.1");
    expect(clientIp(headers, parseTrustedProxies("127.0.0.1"))).toBe("6.6.6.6");
  });

  it("is unknown when no server of the portal's wrote it (the header could be anyone's)", () => {
    expect(clientIp(headers, parseTrustedProxies(undefined))).toBeNull();
  });
});
