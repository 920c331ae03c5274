import { describe, expect, it } from "vitest";
import { securityHeaders } from "./security-headers";

describe("security headers", () => {
  it("allow scripts only with the request's nonce and forbid framing", () => {
    const headers = securityHeaders({ nonce: "abc123", pathname: "/staff/customers", https: false });
    const csp = headers["Content-Security-Policy"] ?? "";
    expect(csp).toContain("script-src 'self' 'nonce-abc123' 'strict-dynamic'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-(inline|eval)/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(headers["Referrer-Policy"]).toBe("strict-origin-when-cross-origin");
    expect(headers["Strict-Transport-Security"]).toBeUndefined();
  });

  it("send no referrer from pages whose address is a secret link", () => {
    for (const pathname of ["/reveal/abc", "/reset-password/abc", "/api/auth/callback/email"]) {
      expect(securityHeaders({ nonce: "n", pathname, https: false })["Referrer-Policy"], pathname).toBe("no-referrer");
    }
  });

  it("add HSTS when the portal is served over https", () => {
    const headers = securityHeaders({ nonce: "n", pathname: "/", https: true });
    expect(headers["Strict-Transport-Security"]).toMatch(/^max-age=\d{8,}/);
    expect(headers["Content-Security-Policy"]).toContain("upgrade-insecure-requests");
  });
});
