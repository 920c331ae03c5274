import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { E2E_BASE_URL, E2E_METRICS_TOKEN } from "../../playwright.config";
import { WEB_NODE_FLAGS } from "../../scripts/web-node-flags";

test("liveness and readiness answer without signing in, and say why the portal is (not) ready", async ({ request }) => {
  const health = await request.get("/api/health");
  expect(health.status()).toBe(200);
  expect(await health.json()).toEqual({ status: "ok" });

  const ready = await request.get("/api/ready");
  expect(ready.status()).toBe(200);
  const body = await ready.json();
  expect(body.checks.database).toMatchObject({ ok: true });
  expect(body.checks.registrar).toMatchObject({ ok: true });
  expect(["ready", "degraded"]).toContain(body.status);

  // Asked every few seconds by every load balancer: never cached, and too small to be worth compressing.
  for (const path of ["/api/health", "/api/ready"]) {
    const answer = await request.get(path, { headers: { "Accept-Encoding": "gzip" } });
    expect(answer.headers()["cache-control"], path).toBe("no-store, no-transform");
    expect(answer.headers()["content-encoding"], path).toBeUndefined();
  }
});

test("metrics are for the scraper holding the token only", async ({ request }) => {
  expect((await request.get("/api/metrics")).status()).toBe(401);
  expect((await request.get("/api/metrics", { headers: { Authorization: "Bearer guess" } })).status()).toBe(401);
  // An API request without a key: refused, and counted like any other route's.
  expect((await request.get("/api/v1/sip-servers")).status()).toBe(401);
  const scrape = await request.get("/api/metrics", { headers: { Authorization: `Bearer ${E2E_METRICS_TOKEN}` } });
  expect(scrape.status()).toBe(200);
  expect(scrape.headers()["content-type"]).toContain("text/plain");
  const text = await scrape.text();
  expect(text).toMatch(/^trunk_portal_http_request_duration_seconds_count\{route="\/api\/ready",status="200"\} [1-9]/m);
  expect(text).toMatch(/^trunk_portal_http_request_duration_seconds_count\{route="\/api\/v1",status="401"\} [1-9]/m);
  expect(text).toContain("# TYPE trunk_portal_queue_oldest_seconds gauge");
});

test("every response carries a request id: a sane one from the proxy in front is kept, hostile text replaced", async ({
  request,
}) => {
  const fresh = (await request.get("/api/health")).headers()["x-request-id"] ?? "";
  expect(fresh).toMatch(/^[0-9a-f-]{36}$/);
  const other = (await request.get("/sign-in")).headers()["x-request-id"];
  expect(other).toMatch(/^[0-9a-f-]{36}$/);
  expect(other).not.toBe(fresh);
  const kept = await request.get("/api/health", { headers: { "X-Request-Id": "lb-0123456789abcdef" } });
  expect(kept.headers()["x-request-id"]).toBe("lb-0123456789abcdef");
  const hostile = await request.get("/api/health", { headers: { "X-Request-Id": 'x" {"level":"fatal"} ' } });
  expect(hostile.headers()["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
});

/** The process listening on `port` on this machine, found through its socket's inode (/proc/net/tcp*). */
function listeningProcess(port: number): string[] {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const inodes = new Set(
    ["/proc/net/tcp", "/proc/net/tcp6"]
      .flatMap((file) => readFileSync(file, "utf8").split("\n").slice(1))
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[1]?.endsWith(hexPort) && fields[3] === "0A")
      .map((fields) => `socket:[${fields[9]}]`),
  );
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`).map((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      continue; // gone, or not ours to read
    }
    if (fds.some((fd) => inodes.has(fd))) return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  }
  throw new Error(`nothing listens on port ${port}`);
}

test("npm start runs the web server with the production heap flags", () => {
  const command = listeningProcess(Number(new URL(E2E_BASE_URL).port));
  expect(command.at(-2) ?? "").toMatch(/scripts\/serve\.mjs$/);
  expect(command).toEqual(expect.arrayContaining(WEB_NODE_FLAGS));
});
