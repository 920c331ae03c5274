import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../lib/auth/policy";
import type { Db } from "../../lib/db";
import { NotFoundError } from "../../lib/errors";
import { deleteExpiredTraces, listSavedTraces, runPacketCheck } from "../../lib/packet-check/service";
import { contextFor, createActor, createPortalDatabase } from "../support/portal";

let db: Db;
let customer: Actor;
let stranger: Actor;
let support: Actor;
let trunkId: string;

const TRACE = [
  "INVITE sip:+442071234567@sip1.check.example SIP/2.0",
  "Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK1",
  "From: <sip:100@Sip1.Check.example>;tag=1",
  "To: <sip:+442071234567@Sip1.Check.example>",
  "Call-ID: c1",
  "CSeq: 1 INVITE",
  'Proxy-Authorization: Digest username="x", realm="sip1.check.example", nonce="n", uri="sip:x", response="0123456789abcdef0123456789abcdef"',
  "Content-Length: 0",
  "",
  "",
].join("\r\n");

function form(fields: Record<string, string | Blob>) {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  return data;
}

beforeAll(async () => {
  ({ db } = await createPortalDatabase("packet_check"));
  customer = await createActor(db, "CUSTOMER");
  stranger = await createActor(db, "CUSTOMER");
  support = await createActor(db, "SUPPORT");
  const server = await db.sipServer.create({
    data: { hostname: "Sip1.Check.example", realm: "sip1.check.example", label: "x" },
  });
  const trunk = await db.trunk.create({
    data: {
      customerId: customer.customerId as string,
      username: "check123456",
      passwordCiphertext: "x",
      passwordKeyId: "k",
      callLimit: 5,
      dialPermission: "US_ONLY",
      allowedCountries: [],
      callerIdPolicy: "FORCED",
      forcedCallerId: "+12025550100",
      servers: { create: { serverId: server.id, ha1: "a".repeat(32), ha1b: "b".repeat(32) } },
    },
  });
  trunkId = trunk.id;
});
afterAll(() => db?.$disconnect());

describe("the packet check service (behind both pages' server action)", () => {
  it("checks the customer's own trunk and keeps nothing unless asked", async () => {
    const state = await runPacketCheck(contextFor(db, customer), form({ trunkId, trace: TRACE }));
    expect(state).toMatchObject({ ok: true, savedId: null });
    if (!state?.ok) throw new Error("expected a report");
    expect(state.report.messages[0]?.findings.map((f) => f.topic)).toEqual(
      expect.arrayContaining(["server-name", "credentials", "dial-permission"]),
    );
    expect(await db.savedTrace.count()).toBe(0);
  });

  it("refuses another customer's trunk exactly like a trunk that does not exist", async () => {
    await expect(runPacketCheck(contextFor(db, stranger), form({ trunkId, trace: TRACE }))).rejects.toThrow(
      NotFoundError,
    );
    await expect(runPacketCheck(contextFor(db, null), form({ trunkId, trace: TRACE }))).rejects.toThrow(NotFoundError);
  });

  it("saves to the ticket history on request, masked, audited, kept 30 days", async () => {
    const state = await runPacketCheck(contextFor(db, support), form({ trunkId, trace: TRACE, save: "on" }));
    if (!state?.ok || !state.savedId) throw new Error("expected a saved report");
    const [saved] = await listSavedTraces(db, trunkId);
    expect(saved).toMatchObject({ id: state.savedId, messageCount: 1, savedByEmail: support.email });
    expect(saved?.text).toContain('response="…"');
    expect(saved?.text).not.toContain("0123456789abcdef0123456789abcdef");
    const days = ((saved?.expiresAt.getTime() ?? 0) - (saved?.createdAt.getTime() ?? 0)) / 86_400_000;
    expect(days).toBe(30);
    expect(await db.auditLog.count({ where: { action: "trunk.save-trace", targetId: trunkId } })).toBe(1);

    // The retention job removes it once expired.
    await db.savedTrace.update({
      where: { id: state.savedId },
      data: { expiresAt: new Date(Date.now() - 1000), createdAt: new Date(Date.now() - 2000) },
    });
    expect(await deleteExpiredTraces(db)).toBe(1);
    expect(await listSavedTraces(db, trunkId)).toEqual([]);
  });

  it("answers every malformed form with a message, never an exception", async () => {
    const ctx = contextFor(db, customer);
    const cases: FormData[] = [
      form({ trunkId }),
      form({ trunkId, trace: "   " }),
      form({ trunkId, trace: "x".repeat(2_000_001) }),
      form({ trunkId, capture: new Blob([new Uint8Array(8 * 1024 * 1024 + 1)]) }),
      form({ trunkId, capture: new Blob([new Uint8Array([0xd4, 0xc3, 0xb2, 0xa1, 1, 2])]), save: "on" }),
      form({ trunkId, trace: "\u0000\ud800 INVITE sip:x SIP/2.0\n\n", save: "on" }),
    ];
    // Random bytes and random text, saved where a report has messages: nothing may reach the user as a 500.
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let i = 0; i < 300; i++) {
      const bytes = Uint8Array.from({ length: next() % 600 }, () => next() % 256);
      if (i % 3 === 0) bytes.set([0x0a, 0x0d, 0x0d, 0x0a].slice(0, bytes.length));
      const text = `INVITE sip:${String.fromCharCode(...bytes.slice(0, 40))}@h SIP/2.0\nCall-ID: ${i}\n\n`;
      cases.push(
        i % 2 ? form({ trunkId, capture: new Blob([bytes]), save: "on" }) : form({ trunkId, trace: text, save: "on" }),
      );
    }
    for (const [index, data] of cases.entries()) {
      const state = await runPacketCheck(ctx, data);
      expect(state === null || typeof state.ok === "boolean", `case ${index}`).toBe(true);
    }
    const first = await runPacketCheck(ctx, cases[0] as FormData);
    expect(first).toEqual({ ok: false, error: "Paste a SIP trace or choose a capture file." });
    expect(await runPacketCheck(ctx, cases[2] as FormData)).toMatchObject({
      ok: false,
      error: expect.stringContaining("2 MB"),
    });
    expect(await runPacketCheck(ctx, cases[3] as FormData)).toMatchObject({
      ok: false,
      error: expect.stringContaining("8 MB"),
    });
  });
});
