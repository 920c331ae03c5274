#!/usr/bin/env node
// The portal's web server: Next.js behind a plain Node HTTP server, so that the app can know the address of the
// TCP connection. Next.js keeps a client's X-Forwarded-For as sent and exposes no socket to route handlers or server
// actions; here the peer address goes into a request header that no client can set (lib/client-ip.ts decides,
// with TRUSTED_PROXIES, what the client's address is). Usage: node scripts/serve.mjs [--dev]; PORT as for npm start.
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

// Shared with lib/client-ip.ts (PEER_ADDRESS_HEADER, PEER_ADDRESS_STAMPED_ENV).
const PEER_ADDRESS_HEADER = "x-trunk-portal-peer";
process.env.TRUNK_PORTAL_PEER_ADDRESS_STAMPED = "1";

const dev = process.argv.includes("--dev");
const port = Number(process.env.PORT ?? 3000);
const dir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
// As `next start` / `next dev` would; Next.js and React read it when they load.
process.env.NODE_ENV = dev ? "development" : "production";
// In Next.js's standalone output (the Dockerfile's web image) there is no next.config.ts: the configuration is the
// one the build recorded, handed to Next.js the way its own standalone server.js does.
if (!dev && !existsSync(path.join(dir, "next.config.ts"))) {
  const built = JSON.parse(readFileSync(path.join(dir, ".next", "required-server-files.json"), "utf8"));
  process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(built.config);
}
const { default: next } = await import("next");

const server = createServer();
const app = next({ dev, dir, port, httpServer: server });
await app.prepare();
const handle = app.getRequestHandler();
server.on("request", (request, response) => {
  request.headers[PEER_ADDRESS_HEADER] = request.socket.remoteAddress ?? "";
  void handle(request, response);
});
server.listen(port, () => console.info(`[trunk-portal] web server ready on port ${port}`));
// Stopped by a signal: exit with the shell's status for it (130 for Ctrl-C), as `next start` does.
for (const [signal, status] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
]) {
  process.on(signal, () => {
    server.close();
    void app.close().finally(() => process.exit(status));
  });
}
