/** Pages whose address carries a secret (a one-time link): they send no Referer, not even to the portal itself. */
const LINK_PAGES = [/^\/reveal\//, /^\/reset-password\//, /^\/api\/auth\/callback\/email/];

/**
 * The response headers every route gets. The Content-Security-Policy allows scripts only with this request's nonce
 * (Next.js adds it to its own scripts), so injected markup cannot run code; nothing may frame the portal.
 */
export function securityHeaders(args: {
  nonce: string;
  pathname: string;
  https: boolean;
  dev?: boolean;
}): Record<string, string> {
  const csp = [
    "default-src 'self'",
    // React's development build needs eval, and the development overlay inline styles; production needs neither.
    `script-src 'self' 'nonce-${args.nonce}' 'strict-dynamic'${args.dev ? " 'unsafe-eval'" : ""}`,
    `style-src 'self' ${args.dev ? "'unsafe-inline'" : `'nonce-${args.nonce}'`}`,
    // style="" attributes cannot run code; the sandboxed preview of an email's HTML uses them.
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(args.https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
  return {
    "Content-Security-Policy": csp,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": LINK_PAGES.some((page) => page.test(args.pathname))
      ? "no-referrer"
      : "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    ...(args.https ? { "Strict-Transport-Security": "max-age=63072000; includeSubDomains" } : {}),
  };
}
