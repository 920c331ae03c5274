import { getDb } from "../db";
import { env } from "../env";
import { timedRoute } from "../observability/metrics";
import { getRegistrar } from "../registrar";
import { createApiHandler } from "./handler";

let handler: ((request: Request) => Promise<Response>) | undefined;

/**
 * The web server's API handler: the process's database pool and registrar client, the configured rate limit; each
 * request's duration and status in the metrics, as the other routes'.
 */
export function apiRequestHandler(request: Request): Promise<Response> {
  handler ??= timedRoute(
    "/api/v1",
    createApiHandler({ db: getDb(), registrar: getRegistrar, rateLimit: env().API_RATE_LIMIT }),
  );
  return handler(request);
}
