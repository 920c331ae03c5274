import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postWebhook } from "./deliver";
import { isNonPublicAddress, refusedUrl, type WebhookNetworkPolicy } from "./network";

const production: WebhookNetworkPolicy = { httpHosts: [], allowPrivateAddresses: false };

describe("webhook URLs (SSRF)", () => {
  it("must be https unless their host was allowed plain http for testing", () => {
    expect(refusedUrl("https://hooks.example.com/in", production)).toBeNull();
    expect(refusedUrl("http://hooks.example.com/in", production)).toMatch(/https/);
    expect(refusedUrl("http://hooks.example.com/in", { ...production, httpHosts: ["hooks.example.com"] })).toBeNull();
    expect(refusedUrl("ftp://hooks.example.com/in", production)).toMatch(/https/);
    expect(refusedUrl("file:///etc/passwd", production)).toMatch(/https/);
    expect(refusedUrl("not a url", production)).toMatch(/full URL/);
    expect(refusedUrl("https://user:pw@hooks.example.com/", production)).toMatch(/passwords/);
  });

  it("may not name a private, loopback, link-local or otherwise non-public address unless configured", () => {
    for (const url of [
      "https://127.0.0.1/",
      "https://10.1.2.3/",
      "https://172.20.0.1/",
      "https://192.168.1.1/",
      "https://169.254.169.254/latest/meta-data/",
      "https://100.64.0.1/",
      "https://0.0.0.0/",
      "https://[::1]/",
      "https://[fd00::1]/",
      "https://[fe80::1]/",
      "https://[::ffff:127.0.0.1]/",
      "https://2130706433/", // 127.0.0.1 written as one number: WHATWG URL parsing normalises it
      "https://0x7f.1/",
    ]) {
      expect(refusedUrl(url, production), url).toMatch(/private or local/);
      expect(refusedUrl(url, { ...production, allowPrivateAddresses: true }), url).toBeNull();
    }
    expect(refusedUrl("https://93.184.215.14/", production)).toBeNull();
    expect(refusedUrl("https://[2606:4700::1111]/", production)).toBeNull();
    expect(isNonPublicAddress("8.8.8.8")).toBe(false);
  });
});

describe("delivery", () => {
  let server: http.Server;
  let port = 0;
  let requests = 0;
  beforeAll(async () => {
    server = http.createServer((_request, response) => {
      requests++;
      response.writeHead(302, { location: "http://169.254.169.254/" }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("refuses, when connecting, a host name that resolves to a private address", async () => {
    const policy = { httpHosts: ["localhost"], allowPrivateAddresses: false };
    const response = await postWebhook(`http://localhost:${port}/`, {}, "{}", policy);
    expect(response).toMatchObject({
      statusCode: null,
      error: expect.stringMatching(/localhost resolves to .*private/),
    });
    expect(requests).toBe(0);
  });

  it("does not follow redirects: a 3xx is the receiver's answer, not a new destination", async () => {
    const policy = { httpHosts: ["localhost"], allowPrivateAddresses: true };
    const response = await postWebhook(`http://localhost:${port}/`, {}, "{}", policy);
    expect(response.statusCode).toBe(302);
    expect(requests).toBe(1);
  });
});
