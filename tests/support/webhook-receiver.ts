import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export type ReceivedWebhook = { path: string; headers: http.IncomingHttpHeaders; body: string; at: Date };

/**
 * A webhook receiver on 127.0.0.1, as a customer's system would run one. `answer` decides each reply: a status code,
 * or "stall" to keep the request open without ever answering. `stop()` and `start()` again (same port) take it down
 * and bring it back, the way a receiver has an outage.
 */
export class TestWebhookReceiver {
  received: ReceivedWebhook[] = [];
  answer: (webhook: ReceivedWebhook) => number | "stall" = () => 204;
  private server: http.Server | null = null;
  private stalled: http.ServerResponse[] = [];
  port = 0;

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const webhook = {
          path: request.url ?? "",
          headers: request.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          at: new Date(),
        };
        this.received.push(webhook);
        const status = this.answer(webhook);
        if (status === "stall") this.stalled.push(response);
        else response.writeHead(status, { "content-type": "text/plain" }).end(`answered ${status}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  async stop() {
    for (const response of this.stalled.splice(0)) response.destroy();
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Waits until the received webhooks satisfy `done`; fails with what did arrive. */
  async waitFor(done: (received: ReceivedWebhook[]) => boolean, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.received)) {
      if (Date.now() > deadline) {
        throw new Error(`webhooks not as expected after ${timeoutMs} ms: ${JSON.stringify(this.received.map(typeOf))}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return this.received;
  }
}

export const typeOf = (webhook: ReceivedWebhook) => (JSON.parse(webhook.body) as { type: string }).type;

/**
 * The receiving side's check, written from the Standard Webhooks specification independently of lib/webhooks:
 * HMAC-SHA256 over `${webhook-id}.${webhook-timestamp}.${body}` keyed with the base64 bytes after `whsec_`, compared
 * in constant time with each `v1,` signature in the space-separated header, and a timestamp within five minutes.
 */
export function verifyStandardWebhook(secret: string, webhook: Pick<ReceivedWebhook, "headers" | "body">): boolean {
  const id = webhook.headers["webhook-id"];
  const timestamp = webhook.headers["webhook-timestamp"];
  const signatures = webhook.headers["webhook-signature"];
  if (typeof id !== "string" || typeof timestamp !== "string" || typeof signatures !== "string") return false;
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${webhook.body}`).digest();
  return signatures.split(" ").some((entry) => {
    const [version, signature] = entry.split(",");
    if (version !== "v1" || !signature) return false;
    const given = Buffer.from(signature, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
