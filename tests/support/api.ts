import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { createApiKey } from "../../lib/api/keys";
import type { Actor } from "../../lib/auth/policy";
import { executeCommand } from "../../lib/commands";
import type { Db } from "../../lib/db";
import { contextFor } from "./portal";

/** A key for `actor` made through the API keys page's own command; returns the key as a client would hold it. */
export async function apiKeyFor(db: Db, actor: Actor, options: { readOnly?: boolean; expiresInDays?: number } = {}) {
  const result = await executeCommand(createApiKey, contextFor(db, actor), {
    name: `Test key ${Math.random().toString(36).slice(2)}`,
    readOnly: options.readOnly ?? false,
    expiresInDays: options.expiresInDays,
  });
  if (!result.ok) throw new Error(JSON.stringify(result));
  return { id: result.value.key.id, secret: result.value.secret };
}

export type ApiCall = {
  key?: string | null;
  body?: unknown;
  /** Sent as is (not JSON-encoded) when a string. */
  rawBody?: string | Uint8Array<ArrayBuffer>;
  headers?: Record<string, string>;
};

/** Calls an API handler the way the web server does: a standard Request in, a Response out. */
export function apiClient(handler: (request: Request) => Promise<Response>) {
  return async function call(method: string, path: string, options: ApiCall = {}) {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    let body: string | Uint8Array<ArrayBuffer> | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const response = await handler(new Request(`http://portal.test/api/v1${path}`, { method, headers, body }));
    const text = await response.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: response.status, headers: response.headers, json: json as Record<string, unknown>, text };
  };
}

/**
 * Validates responses against the schemas of a served OpenAPI 3.1 document (JSON Schema 2020-12), resolving its
 * component references: an independent check that the API answers as it documents.
 */
export function openApiResponseValidator(document: Record<string, unknown>) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const base = "https://trunk-portal.test/openapi.json";
  ajv.addSchema({ $id: base, components: (document as { components: unknown }).components });
  const retarget = (schema: unknown) =>
    JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${base}#/components/`));
  return function validate(schema: unknown, value: unknown): string[] {
    const check = ajv.compile(retarget(schema));
    return check(value) ? [] : (check.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
  };
}
