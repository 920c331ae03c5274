import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { verifySignature } from "../../lib/registrar/http";
import type { ProviderPolicy, Registration, Subscriber } from "../../lib/registrar/types";

/**
 * A reference receiver of the HTTP provisioning API (docs/registrar-http-api.md): verifies signatures, keeps
 * subscribers in memory, and can be told to fail the next requests with 503 to exercise retries.
 */
export class TestHttpRegistrar {
  readonly subscribers = new Map<string, Subscriber>();
  providerPolicy: ProviderPolicy | null = null;
  /** Call records it answers with, as JSON (`at`/`endedAt` ISO strings), each with the trunk's username. */
  calls: (Record<string, unknown> & { trunk: string; at: string })[] = [];
  /** Refusals it answers with (`at` ISO strings), filtered by the request's `since` and `reason`s. */
  refusals: { username: string; reason: string; at: string }[] = [];
  /** Failed-authentication counts it answers with, filtered by the request's `atLeast`. */
  authFailures: { username: string; failures: number; sources: string[]; firstAt: string; lastAt: string }[] = [];
  /** What `POST /registrations/search` answers, by username, as JSON on the wire (set by tests; older receivers omit requestedHost). */
  readonly registrations = new Map<
    string,
    (Omit<Registration, "expiresAt" | "requestedHost"> & { expiresAt: string; requestedHost?: string | null })[]
  >();
  readonly requests: { method: string; path: string; status: number }[] = [];
  failNext = 0;
  /** GET /status is optional in the API: false makes this receiver one that does not implement it. */
  answersStatus = true;
  /** GET /registrations is optional too: false makes this receiver one that cannot list registered usernames. */
  listsRegistrations = true;
  private server: Server | null = null;

  constructor(private readonly secret: string) {}

  async start() {
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => {
        body += chunk;
      });
      req.on("end", () => {
        const url = new URL(req.url ?? "/", "http://localhost");
        const path = url.pathname;
        const method = req.method ?? "GET";
        const reply = (status: number, payload?: unknown) => {
          this.requests.push({ method, path, status });
          res.writeHead(status, { "content-type": "application/json" });
          res.end(payload === undefined ? undefined : JSON.stringify(payload));
        };
        if (!verifySignature(this.secret, req.headers["x-trunkportal-signature"] as string, { method, path, body })) {
          return reply(401, { error: "bad signature" });
        }
        if (this.failNext > 0) {
          this.failNext--;
          return reply(503, { error: "try again" });
        }
        if (method === "GET" && path === "/api/refusals") {
          const since = new Date(url.searchParams.get("since") ?? "").getTime();
          const reasons = url.searchParams.getAll("reason");
          return reply(
            200,
            this.refusals.filter((row) => new Date(row.at).getTime() >= since && reasons.includes(row.reason)),
          );
        }
        if (method === "GET" && path === "/api/auth-failures") {
          const atLeast = Number(url.searchParams.get("atLeast"));
          return reply(
            200,
            this.authFailures.filter((row) => row.failures >= atLeast),
          );
        }
        if (path === "/api/records/purge" && method === "POST") {
          const before = new Date(JSON.parse(body).before).getTime();
          const kept = this.calls.filter((call) => new Date(call.at).getTime() >= before);
          const deleted = this.calls.length - kept.length;
          this.calls = kept;
          return reply(200, { deleted });
        }
        if (path === "/api/provider-policy") {
          if (method !== "PUT") return reply(405, { error: "method not allowed" });
          this.providerPolicy = JSON.parse(body);
          return reply(204);
        }
        // This receiver keeps no registrations.
        if (method === "GET" && path === "/api/status" && this.answersStatus)
          return reply(200, { liveRegistrations: 0 });
        if (method === "GET" && path === "/api/registrations" && this.listsRegistrations) {
          return reply(
            200,
            [...this.registrations].filter(([, rows]) => rows.length > 0).map(([username]) => username),
          );
        }
        if (method === "POST" && path === "/api/registrations/search") {
          const { usernames } = JSON.parse(body) as { usernames: string[] };
          return reply(
            200,
            usernames.flatMap((username) => this.registrations.get(username) ?? []),
          );
        }
        if (method === "POST" && path === "/api/subscribers/search") {
          const { usernames } = JSON.parse(body) as { usernames: string[] };
          const rows = usernames.flatMap((username) => {
            const s = this.subscribers.get(username);
            return s?.enabled ? s.credentials.map((c) => ({ username, ...c, attributes: s.attributes })) : [];
          });
          return reply(200, rows);
        }
        if (method === "POST" && path === "/api/subscribers/usernames") {
          const { after, limit } = JSON.parse(body) as { after: string | null; limit: number };
          const names = [...this.subscribers.values()].filter((s) => s.enabled).map((s) => s.username);
          return reply(
            200,
            names
              .sort()
              .filter((name) => after === null || name > after)
              .slice(0, limit),
          );
        }
        const match = path.match(/^\/api\/subscribers\/([^/]+)(\/calls)?$/);
        const username = match?.[1] ? decodeURIComponent(match[1]) : undefined;
        if (!match) return reply(404, { error: "no such route" });
        if (method === "GET" && match[2] === "/calls") {
          return reply(
            200,
            this.calls.filter((call) => call.trunk === username).map(({ trunk: _trunk, ...call }) => call),
          );
        }
        if (method === "PUT" && username) {
          this.subscribers.set(username, JSON.parse(body));
          return reply(204);
        }
        if (method === "DELETE" && username) {
          this.subscribers.delete(username);
          return reply(204);
        }
        return reply(405, { error: "method not allowed" });
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    return this;
  }

  get url() {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error("the test registrar is not listening");
    return `http://127.0.0.1:${address.port}/api`;
  }

  async stop() {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
