/**
 * Answers are never cached. Small ones are also sent as they are: Next.js's gzip skips a body under 1 KiB only when
 * it knows the length, and it drops a route's Content-Length, so it would gzip every answer, a trunk's 700 bytes or a
 * load balancer's health check included: CPU on both sides to save a few hundred bytes (bench/README.md, provisioning,
 * "Round 5"). `no-transform` is what its compression honours; larger answers (lists, the OpenAPI document) are still
 * compressed.
 */
const COMPRESS_FROM_BYTES = 1024;

/** A route handler's JSON answer (the REST API's, a problem document, a health check). */
export function jsonResponse(
  body: unknown,
  { status = 200, headers = {} }: { status?: number; headers?: Record<string, string> } = {},
): Response {
  const text = JSON.stringify(body);
  return new Response(text, {
    status,
    headers: {
      "Content-Type": "application/json",
      "Cache-Control": Buffer.byteLength(text) < COMPRESS_FROM_BYTES ? "no-store, no-transform" : "no-store",
      ...headers,
    },
  });
}
