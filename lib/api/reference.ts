import { readFile } from "node:fs/promises";
import path from "node:path";
import { ROOT } from "../paths";

/**
 * The interactive API reference: Swagger UI (swagger-ui-dist, plain files, no Node requirement) rendering
 * /api/v1/openapi.json. It runs under the portal's Content-Security-Policy unchanged: its scripts carry this
 * request's nonce (from the policy proxy.ts put on the request) and it needs no inline styles or eval.
 */
const ASSETS: Record<string, { file: string; type: string }> = {
  "swagger-ui.css": { file: "swagger-ui.css", type: "text/css; charset=utf-8" },
  "swagger-ui-bundle.js": { file: "swagger-ui-bundle.js", type: "text/javascript; charset=utf-8" },
  "start.js": { file: "", type: "text/javascript; charset=utf-8" },
};

const START_SCRIPT = `window.addEventListener("DOMContentLoaded", function () {
  window.SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#api-reference",
    deepLinking: true,
    persistAuthorization: false,
    tryItOutEnabled: false,
  });
});
`;

export async function apiReferenceAsset(name: string): Promise<Response> {
  const asset = ASSETS[name];
  if (!asset) return new Response("Not found", { status: 404 });
  const body = asset.file
    ? await readFile(path.join(ROOT, "node_modules", "swagger-ui-dist", asset.file))
    : START_SCRIPT;
  return new Response(body, {
    headers: { "Content-Type": asset.type, "Cache-Control": "public, max-age=3600" },
  });
}

export function apiReferencePage(request: Request): Response {
  const nonce = request.headers.get("content-security-policy")?.match(/'nonce-([^']+)'/)?.[1] ?? "";
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API reference · Trunk Portal</title>
<link rel="stylesheet" href="/api-reference/swagger-ui.css">
</head>
<body>
<p style="font-family: sans-serif; margin: 1rem 2rem"><a href="/staff/api-keys">← API keys</a> · Use <strong>Authorize</strong> with one of your API keys to try requests.</p>
<main id="api-reference"></main>
<script nonce="${nonce}" src="/api-reference/swagger-ui-bundle.js"></script>
<script nonce="${nonce}" src="/api-reference/start.js"></script>
</body>
</html>`;
  return new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" } });
}
