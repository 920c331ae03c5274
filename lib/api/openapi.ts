import { z } from "zod";
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from "zod-openapi";
import { PERMISSIONS } from "../auth/policy";
import { id } from "../validation";
import { problemSchema } from "./problem";
import { API_ROUTES, type ApiRoute, pathParameters } from "./routes";

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: problemSchema } },
});

const rateLimitHeaders = {
  "RateLimit-Limit": { description: "Requests this key may make per window.", schema: { type: "integer" as const } },
  "RateLimit-Remaining": { description: "Requests left in this window.", schema: { type: "integer" as const } },
  "RateLimit-Reset": { description: "Seconds until the window resets.", schema: { type: "integer" as const } },
  "RateLimit-Policy": { description: 'The quota, e.g. "600;w=60".', schema: { type: "string" as const } },
};

const idempotencyKey = z.string().min(1).max(255).optional().meta({
  description:
    "Makes the POST safe to retry: a retry with the same key and body gets the first response (for 24 hours) instead of doing it twice.",
});

function operation(route: ApiRoute): ZodOpenApiOperationObject {
  const roles = (PERMISSIONS[route.permission] as readonly string[]).join(", ");
  const path = pathParameters(route.path);
  return {
    operationId: route.operationId,
    summary: route.summary,
    description: [
      route.description,
      `Needs permission \`${route.permission}\` (${roles})${route.writes ? ", and a key that is not read-only" : ""}.`,
    ]
      .filter(Boolean)
      .join("\n\n"),
    tags: [route.tag],
    "x-permission": route.permission,
    requestParams: {
      ...(path.length ? { path: z.object(Object.fromEntries(path.map((name) => [name, id]))) } : {}),
      ...(route.query ? { query: route.query } : {}),
      ...(route.method === "POST" ? { header: z.object({ "Idempotency-Key": idempotencyKey }) } : {}),
    },
    ...(route.body
      ? { requestBody: { required: false, content: { "application/json": { schema: route.body } } } }
      : {}),
    responses: {
      [String(route.success.status)]: {
        description: route.success.description,
        headers: rateLimitHeaders,
        content: { "application/json": { schema: route.success.schema } },
      },
      ...(route.query ? { "400": problem("Invalid query parameters.") } : {}),
      "401": problem("No API key, or one that is invalid, revoked or expired."),
      ...(route.writes ? { "403": problem("The key's role may not do this, or the key is read-only.") } : {}),
      "404": problem("Not found, or not visible to this key."),
      ...(route.writes ? { "409": problem("A conflict: e.g. a DID already in use, or a concurrent change.") } : {}),
      ...(route.body ? { "422": problem("Invalid input, with an error per field.") } : {}),
      "429": problem("Too many requests for this key; see Retry-After."),
    },
  };
}

let cached: ReturnType<typeof createDocument> | undefined;

/** The OpenAPI 3.1 document, generated from the route table and the same zod schemas that validate requests. */
export function openApiDocument() {
  if (cached) return cached;
  const paths: ZodOpenApiPathsObject = {};
  for (const route of API_ROUTES) {
    paths[route.path] ??= {};
    const item = paths[route.path] as NonNullable<ZodOpenApiPathsObject[string]>;
    item[route.method.toLowerCase() as "get" | "post" | "put" | "delete"] = operation(route);
  }
  cached = createDocument(
    {
      openapi: "3.1.0",
      info: {
        title: "Trunk Portal API",
        version: "1.0.0",
        description:
          "Provision customers, SIP trunks and demo accounts from your own systems. Every change runs the same command as the portal's pages: the same permissions, validation, registrar sync, emails and audit log. Authenticate with an API key from the portal's API keys page: `Authorization: Bearer tp_live_…`. Errors are RFC 9457 problem details.",
      },
      servers: [{ url: "/api/v1" }],
      security: [{ apiKey: [] }],
      components: {
        securitySchemes: {
          apiKey: { type: "http", scheme: "bearer", description: "An API key: tp_live_ followed by 40 characters." },
        },
      },
      paths,
    },
    { allowEmptySchema: { custom: true } },
  );
  return cached;
}
