/**
 * The Kamailio supervisor `npm start` uses (lib/registrar/local-kamailio.ts), on real Kamailio: what it does when its
 * SIP port is taken and when the portal has no SIP server yet. (npm-start.test.ts covers crashes, realm changes and
 * shutdown through `npm start` itself.)
 */

import { randomBytes } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "@/lib/paths";
import { ensureKamailioRole, kamailioRoleUrl } from "@/lib/registrar/kamailio-role";
import { KAMAILIO_CFG, kamailioInstallation } from "@/lib/registrar/kamailio-server";
import { type LocalKamailio, startLocalKamailio } from "@/lib/registrar/local-kamailio";
import { ensureRegistrarSchema } from "@/lib/registrar/schema";
import { probeRegistrarRealm } from "@/lib/registrar/sip-probe";
import { createTestDatabase } from "../support/database";
import { freeSipPort, freeTcpPort } from "../support/kamailio";

let databaseUrl: string;
let dir: string;
const running: LocalKamailio[] = [];

beforeAll(async () => {
  const ownerUrl = await createTestDatabase("local_kamailio");
  await ensureRegistrarSchema(ownerUrl);
  const role = `kamailio_local_${randomBytes(3).toString("hex")}`;
  const password = randomBytes(18).toString("base64url");
  await ensureKamailioRole(ownerUrl, password, role);
  databaseUrl = kamailioRoleUrl(ownerUrl, password, role);
  dir = mkdtempSync(path.join(os.tmpdir(), "local-kamailio-test-"));
});

afterAll(async () => {
  for (const kamailio of running) await kamailio.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function start(options: { port: number; realm: () => Promise<string | null>; log: (line: string) => void }) {
  const installation = kamailioInstallation();
  if (!installation.installed) throw new Error(`Kamailio is missing: ${installation.installCommand}`);
  const kamailio = await startLocalKamailio({
    binary: installation.binary,
    cfgFile: path.join(ROOT, KAMAILIO_CFG),
    databaseUrl,
    listen: "127.0.0.1",
    port: options.port,
    rpcPort: await freeTcpPort(),
    dir: mkdtempSync(path.join(dir, "run-")),
    realm: options.realm,
    log: options.log,
    realmCheckMs: 200,
  });
  running.push(kamailio);
  return kamailio;
}

async function waitForLine(lines: string[], pattern: RegExp, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!lines.some((line) => pattern.test(line))) {
    if (Date.now() > deadline) throw new Error(`no line matching ${pattern} in:\n${lines.join("\n")}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("the Kamailio npm start runs", () => {
  it("says which address is taken when its SIP port is in use, and starts once it is free", async () => {
    const port = await freeSipPort();
    const squatter: Socket = createSocket("udp4");
    await new Promise<void>((resolve) => squatter.bind(port, "127.0.0.1", resolve));
    const lines: string[] = [];
    await start({ port, realm: async () => "sip.local.test", log: (line) => lines.push(line) });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^SIP registrar: Kamailio did not start: .*Address already in use.*; is another SIP server using 127\\.0\\.0\\.1:${port}\\? SIP_LISTEN and SIP_PORT choose another; restarting in 1 s$`,
      ),
    );
    await new Promise<void>((resolve) => squatter.close(resolve));
    await waitForLine(
      lines,
      new RegExp(`^SIP registrar: udp/tcp 127\\.0\\.0\\.1:${port}, realm sip\\.local\\.test \\(restarted\\)$`),
    );
    expect(await probeRegistrarRealm("127.0.0.1", port)).toEqual({ status: 401, realm: "sip.local.test" });
  });

  it("waits for a SIP server to take its realm from", async () => {
    const port = await freeSipPort();
    let realm: string | null = null;
    const lines: string[] = [];
    await start({ port, realm: async () => realm, log: (line) => lines.push(line) });
    expect(lines).toEqual(["SIP registrar: no active SIP server, so no realm; Kamailio starts once one is added"]);
    expect(await probeRegistrarRealm("127.0.0.1", port, 300)).toBeNull();

    realm = "sip.first.test";
    await waitForLine(lines, /^SIP registrar: udp\/tcp [\d.:]+, realm sip\.first\.test$/);
    expect(lines).toContain("SIP registrar: the default SIP server's realm is now sip.first.test (was none)");
    expect(await probeRegistrarRealm("127.0.0.1", port)).toEqual({ status: 401, realm: "sip.first.test" });
  });
});
