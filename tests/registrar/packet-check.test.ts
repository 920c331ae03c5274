/**
 * The packet check on real captures: dumpcap records what SIPp (the customer's PBX) and Kamailio exchange on
 * loopback, in pcapng and in classic pcap, and the check reads both and finds what went wrong.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkTrace, type TrunkExpectations } from "@/lib/packet-check";
import { readCapture } from "@/lib/packet-check/capture";
import { ensureDebianPackages } from "../support/debian";
import { optionsPing } from "../support/kamailio";
import { type RegistrarEnvironment, startRegistrarEnvironment } from "../support/registrar-env";
import { sippCalls, sippRegister } from "../support/sipp";
import { demoAttributes, subscriber } from "../support/subscribers";

const REALM = "sip1.capture.test";
const SERVER = "Sip1.Capture.test";

let env: RegistrarEnvironment;
let dir: string;

const trunk: TrunkExpectations = {
  username: "capture_trunk",
  hostnames: [SERVER],
  realms: [REALM],
  dids: [],
  isDemo: true,
  dialPermission: "US_ONLY",
  allowedCountries: [],
  callerIdPolicy: "FORCED",
  forcedCallerId: demoAttributes.forcedCallerId,
  callLimit: 5,
};

beforeAll(async () => {
  ensureDebianPackages([{ name: "tshark", provides: "/usr/bin/dumpcap" }]);
  dir = mkdtempSync(path.join(os.tmpdir(), "capture-"));
  env = await startRegistrarEnvironment({ realm: REALM });
  await env.registrar.putProviderPolicy({ serverNames: [SERVER], blockedPrefixes: [] });
  await env.registrar.put(subscriber("capture_trunk", "pw-capture", REALM));
});

afterAll(async () => {
  await env?.stop();
  if (dir && !process.env.KEEP_TEST_ARTIFACTS) rmSync(dir, { recursive: true, force: true });
});

/** dumpcap on loopback for the proxy's port; resolves once it is capturing. */
async function startCapture(file: string, classicPcap: boolean): Promise<ChildProcess> {
  const args = ["-i", "lo", "-f", `udp port ${env.kamailio.sipPort}`, "-w", file, "-q"];
  if (classicPcap) args.push("-P");
  const child = spawn("dumpcap", args, { stdio: ["ignore", "ignore", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    let stderr = "";
    const timer = setTimeout(() => reject(new Error(`dumpcap did not start: ${stderr}`)), 15_000);
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes("Capturing on")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => reject(new Error(`dumpcap exited (${code}): ${stderr}`)));
  });
  return child;
}

const optionsIn = (file: string) =>
  existsSync(file)
    ? readCapture(new Uint8Array(readFileSync(file))).messages.filter((m) => m.text.startsWith("OPTIONS ")).length
    : 0;

/**
 * Waits until every capture has written a fresh OPTIONS ping (the proxy answers them): the packets sent before it
 * are then in the file too. Used once capturing starts and before stopping, so no packet of the test is missed.
 */
async function syncCaptures(files: string[]) {
  const before = files.map(optionsIn);
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
    await optionsPing(env.kamailio.sipPort);
    if (files.every((file, i) => optionsIn(file) > (before[i] ?? 0))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the captures did not record the OPTIONS pings");
}

async function stopCapture(child: ChildProcess) {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

describe("packet check on real captures", () => {
  it("reads pcapng and pcap of a mis-cased registration and a refused call, and says what went wrong", async () => {
    const pcapng = path.join(dir, "trace.pcapng");
    const pcap = path.join(dir, "trace.pcap");
    const captures = [await startCapture(pcapng, false), await startCapture(pcap, true)];
    await syncCaptures([pcapng, pcap]);
    try {
      const registered = await sippRegister({
        proxyPort: env.kamailio.sipPort,
        username: "capture_trunk",
        password: "pw-capture",
        domain: SERVER.toLowerCase(),
      });
      expect(registered.status).toBe(200);
      const call = await sippCalls({
        proxyPort: env.kamailio.sipPort,
        domain: SERVER,
        username: "capture_trunk",
        password: "pw-capture",
        to: "+442071234567",
        from: "100",
      });
      expect(call.statuses).toEqual([403]);
      await syncCaptures([pcapng, pcap]);
    } finally {
      for (const child of captures) await stopCapture(child);
    }

    for (const file of [pcapng, pcap]) {
      const report = checkTrace({ file: new Uint8Array(readFileSync(file)) }, trunk);
      expect(report.input).toBe("capture");
      const lines = report.messages.map((m) => `${m.summary} | ${m.findings.map((f) => f.text).join(" | ")}`);
      const find = (start: string) => lines.filter((line) => line.startsWith(start));
      // REGISTER, 401, REGISTER with credentials, 200; INVITE, 407, ACK, INVITE with credentials, 403, ACK.
      expect(find(`REGISTER sip:${SERVER.toLowerCase()} SIP/2.0`)).toHaveLength(2);
      expect(find(`REGISTER sip:${SERVER.toLowerCase()}`)[0]).toContain(
        `The Request-URI uses ${SERVER.toLowerCase()}, but the server name is ${SERVER} (case-sensitive)`,
      );
      expect(find("INVITE sip:+442071234567@")[0]).toContain(
        "+442071234567: this demo trunk may call US numbers only (403).",
      );
      expect(find("SIP/2.0 403 Forbidden (Destination Not Permitted)")).toEqual([
        "SIP/2.0 403 Forbidden (Destination Not Permitted) | 403 Forbidden (Destination Not Permitted): this demo trunk may call US numbers only.",
      ]);
      // The challenges were answered: no "never answered" finding.
      expect(lines.join("\n")).not.toContain("never answered");
      expect(report.messages[0]?.time).toMatch(/^\d{4}-/);
    }
  });
});
