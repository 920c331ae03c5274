import { type NextRequest, NextResponse } from "next/server";
import { env } from "./lib/env";
import { REQUEST_ID_HEADER, requestIdFor } from "./lib/observability/request-id";
import { securityHeaders } from "./lib/security-headers";

/**
 * Runs before every route: a fresh CSP nonce per request (Next.js reads it from the request's policy header and puts
 * it on its scripts), the security headers on the response, and a request id on both (the logs carry it).
 */
export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const headers = securityHeaders({
    nonce,
    pathname: request.nextUrl.pathname,
    https: env().PORTAL_URL.startsWith("https:"),
    dev: process.env.NODE_ENV === "development",
  });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("Content-Security-Policy", headers["Content-Security-Policy"] ?? "");
  const requestId = requestIdFor(request.headers.get(REQUEST_ID_HEADER));
  requestHeaders.set(REQUEST_ID_HEADER, requestId);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set(REQUEST_ID_HEADER, requestId);
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

export const config = {
  // Static build files are immutable and carry no markup; everything else, API routes included, gets the headers
  // (a missing /favicon.ico is the HTML not-found page, so it is not excluded).
  matcher: [{ source: "/((?!_next/static).*)" }],
};
