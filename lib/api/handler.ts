import { requestMetaFrom } from "../auth/request-meta";
import { fieldErrorsOf } from "../commands";
import type { Db } from "../db";
import { ForbiddenError, NotFoundError } from "../errors";
import { jsonResponse } from "../json-response";
import { countInWindow } from "../rate-limit";
import type { Registrar } from "../registrar/types";
import { isId } from "../validation";
import { IDEMPOTENCY_HEADER, requestFingerprint, withIdempotency } from "./idempotency";
import { authenticateApiKey, type KeyRefusal } from "./keys";
import { openApiDocument } from "./openapi";
import { ApiProblem, PROBLEM_CONTENT_TYPE } from "./problem";
import { API_ROUTES, type ApiContext, type ApiRoute, pathParameters } from "./routes";

export const API_BASE = "/api/v1";
/** A JSON body larger than this is refused before it is parsed. */
const MAX_BODY_BYTES = 1024 * 1024;
const RATE_WINDOW_MS = 60_000;

export type ApiDependencies = {
  db: Db;
  registrar: () => Registrar;
  /** Requests per key per minute. */
  rateLimit: number;
};

const REFUSALS: Record<Exclude<KeyRefusal, "missing">, string> = {
  invalid: "This API key is not valid.",
  revoked: "This API key was revoked.",
  expired: "This API key has expired.",
  "owner-inactive": "The staff member this API key belongs to can no longer use the portal.",
};

type CompiledRoute = { route: ApiRoute; pattern: RegExp; names: string[] };

const COMPILED: CompiledRoute[] = API_ROUTES.map((route) => {
  const names = pathParameters(route.path);
  const source = route.path
    .split(/\{\w+\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("([^/:]+)");
  return { route, pattern: new RegExp(`^${source}$`), names };
});

/**
 * The REST API in one function from a web Request to a Response: the route handler (app/api/v1) only passes the
 * request through. It authenticates the API key (never a cookie), counts the request against the key's rate limit,
 * refuses writes to read-only keys, parses the path, query and JSON body, applies Idempotency-Key to POSTs, and runs
 * the route, whose changes are the portal's own commands acting as the key's owner. Every error is problem+json.
 */
export function createApiHandler(deps: ApiDependencies) {
  return async function handleApiRequest(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname.startsWith(API_BASE) ? url.pathname.slice(API_BASE.length) || "/" : url.pathname;
    let rateHeaders: Record<string, string> = {};
    try {
      if (path === "/openapi.json" && (request.method === "GET" || request.method === "HEAD")) {
        return jsonResponse(openApiDocument());
      }
      const match = matchRoute(request.method, path);
      const meta = requestMetaFrom(request.headers);
      const principal = await authenticateApiKey(deps.db, request.headers.get("authorization"), meta.ip);
      if ("refused" in principal) {
        const detail =
          principal.refused === "missing"
            ? "Send an API key: Authorization: Bearer tp_live_…"
            : REFUSALS[principal.refused];
        throw new ApiProblem(401, "unauthorized", detail, undefined, {
          "WWW-Authenticate": `Bearer realm="trunk-portal"${principal.refused === "missing" ? "" : ', error="invalid_token"'}`,
        });
      }
      rateHeaders = await takeRequest(deps, principal.key.id);
      const { route, params } = match;
      if (route.writes && principal.key.readOnly) {
        throw new ApiProblem(403, "read-only-key", "This API key is read-only.");
      }
      const query = parseQuery(route, url.searchParams);
      const rawBody = await readBody(request, route);
      const ctx: ApiContext = {
        db: deps.db,
        actor: principal.actor,
        meta: { ...meta, apiKeyId: principal.key.id },
        key: principal.key,
        registrar: deps.registrar,
      };
      const run = () => route.handle(ctx, { params, query, body: rawBody.value });
      const idempotencyKey = request.headers.get(IDEMPOTENCY_HEADER);
      if (request.method === "POST" && idempotencyKey !== null && !route.rerunOnRetry) {
        const fingerprint = requestFingerprint(request.method, url.pathname, rawBody.text);
        const result = await withIdempotency(deps.db, principal.key.id, idempotencyKey, fingerprint, run);
        return jsonResponse(result.body, {
          status: result.status,
          headers: { ...rateHeaders, ...(result.replayed ? { "Idempotent-Replayed": "true" } : {}) },
        });
      }
      const result = await run();
      return jsonResponse(result.body, { status: result.status, headers: rateHeaders });
    } catch (error) {
      return problemResponse(error, request, path, rateHeaders);
    }
  };

  async function takeRequest(deps: ApiDependencies, keyId: string) {
    const { count, resetAt } = await countInWindow(deps.db, `api:${keyId}`, RATE_WINDOW_MS);
    const reset = Math.max(1, Math.ceil((resetAt.getTime() - Date.now()) / 1000));
    const headers = {
      "RateLimit-Limit": String(deps.rateLimit),
      "RateLimit-Remaining": String(Math.max(0, deps.rateLimit - count)),
      "RateLimit-Reset": String(reset),
      "RateLimit-Policy": `${deps.rateLimit};w=${RATE_WINDOW_MS / 1000}`,
    };
    if (count > deps.rateLimit) {
      throw new ApiProblem(
        429,
        "rate-limited",
        `This API key may make ${deps.rateLimit} requests a minute; try again in ${reset} s.`,
        undefined,
        { ...headers, "Retry-After": String(reset) },
      );
    }
    return headers;
  }
}

function matchRoute(method: string, path: string): { route: ApiRoute; params: Record<string, string> } {
  const candidates = COMPILED.flatMap(({ route, pattern, names }) => {
    const found = pattern.exec(path);
    if (!found) return [];
    const params = Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(found[index + 1] ?? "")]));
    return [{ route, params }];
  });
  if (candidates.length === 0) throw new ApiProblem(404, "not-found", "There is no such API endpoint.");
  const match = candidates.find((candidate) => candidate.route.method === method);
  if (!match) {
    const allowed = candidates.map((candidate) => candidate.route.method).join(", ");
    throw new ApiProblem(405, "method-not-allowed", `Use ${allowed} here.`, undefined, { Allow: allowed });
  }
  // An id that cannot name a record names none: the same 404 as a record that does not exist.
  if (Object.values(match.params).some((value) => !isId(value))) throw new ApiProblem(404, "not-found", "Not found.");
  return match;
}

function parseQuery(route: ApiRoute, params: URLSearchParams): Record<string, unknown> {
  const raw = Object.fromEntries(params.entries());
  if (!route.query) return raw;
  const parsed = route.query.safeParse(raw);
  if (!parsed.success) {
    throw new ApiProblem(400, "invalid-query", "Please correct the query parameters.", fieldErrorsOf(parsed.error));
  }
  return parsed.data as Record<string, unknown>;
}

/** The JSON object a request sends (or {} for none), with its exact text for the idempotency fingerprint. */
async function readBody(request: Request, route: ApiRoute): Promise<{ value: Record<string, unknown>; text: string }> {
  if (request.method === "GET" || request.method === "HEAD") return { value: {}, text: "" };
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) throw new ApiProblem(413, "too-large", "The request body is larger than 1 MB.");
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > MAX_BODY_BYTES)
    throw new ApiProblem(413, "too-large", "The request body is larger than 1 MB.");
  if (bytes.byteLength === 0) return { value: {}, text: "" };
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type)) {
    throw new ApiProblem(415, "unsupported-media-type", "Send the request body as application/json.");
  }
  let text: string;
  let value: unknown;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    value = JSON.parse(text);
  } catch {
    throw new ApiProblem(400, "invalid-json", "The request body is not valid JSON (UTF-8).");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ApiProblem(422, "invalid-input", "The request body must be a JSON object.", {
      _form: [route.body ? "Send a JSON object with the fields of this operation." : "Send an empty body or {}."],
    });
  }
  return { value: value as Record<string, unknown>, text };
}

function problemResponse(error: unknown, request: Request, path: string, rateHeaders: Record<string, string>) {
  let problem: ApiProblem;
  if (error instanceof ApiProblem) problem = error;
  else if (error instanceof NotFoundError) problem = new ApiProblem(404, "not-found", error.message);
  else if (error instanceof ForbiddenError) problem = new ApiProblem(403, "forbidden", error.message);
  else {
    // The method and path only: a request's headers (its API key) and body (customer data) are never logged.
    console.error(`[api] ${request.method} ${path} failed: ${error instanceof Error ? error.stack : String(error)}`);
    problem = new ApiProblem(500, "internal-error", "Something went wrong on our side; nothing was lost. Try again.");
  }
  return jsonResponse(problem.body, {
    status: problem.status,
    headers: { "Content-Type": PROBLEM_CONTENT_TYPE, ...rateHeaders, ...problem.headers },
  });
}
