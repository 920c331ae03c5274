import { z } from "zod";
import { recordAudit } from "../audit/log";
import type { CommandContext } from "../commands";
import type { Db } from "../db";
import { type VisibleTrunk, visibleTrunk } from "../trunks/access";
import { checkbox, id } from "../validation";
import { checkTrace, type PacketCheckReport, type TrunkExpectations } from ".";

/** Pasted traces and uploads: big enough for a long capture's SIP, small enough to read in a request. */
export const MAX_TRACE_CHARS = 2_000_000;
export const MAX_CAPTURE_BYTES = 8 * 1024 * 1024;
/** How long a trace saved to the trunk's ticket history is kept. */
export const SAVED_TRACE_DAYS = 30;

export type PacketCheckState =
  | { ok: true; report: PacketCheckReport; savedId: string | null }
  | { ok: false; error: string }
  | null;

export function expectationsFor(trunk: VisibleTrunk): TrunkExpectations {
  return {
    username: trunk.username,
    hostnames: trunk.servers.map((row) => row.server.hostname),
    realms: trunk.servers.map((row) => row.server.realm),
    dids: trunk.dids.map((did) => did.number),
    isDemo: trunk.customer.isDemo,
    dialPermission: trunk.dialPermission,
    allowedCountries: trunk.allowedCountries,
    callerIdPolicy: trunk.callerIdPolicy,
    forcedCallerId: trunk.forcedCallerId,
    callLimit: trunk.callLimit,
  };
}

const input = z.object({
  trunkId: id,
  trace: z.string().max(MAX_TRACE_CHARS, "Paste at most 2 MB of trace text, or upload the capture.").optional(),
  save: checkbox,
});

/**
 * The packet check behind both pages' server action: checks a pasted trace or an uploaded capture for one trunk and,
 * when asked, saves it to the trunk's ticket history. Bad input of any kind gets a message, never an exception.
 */
export async function runPacketCheck(ctx: CommandContext, formData: FormData): Promise<PacketCheckState> {
  const parsed = input.safeParse({
    trunkId: formData.get("trunkId") ?? undefined,
    trace: typeof formData.get("trace") === "string" ? formData.get("trace") : undefined,
    save: formData.get("save") ?? undefined,
  });
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0]?.message ?? "Invalid input." };
  const trunk = await visibleTrunk(ctx.db, ctx.actor, parsed.data.trunkId);

  const upload = formData.get("capture");
  let file: Uint8Array | undefined;
  if (upload instanceof File && upload.size > 0) {
    if (upload.size > MAX_CAPTURE_BYTES)
      return { ok: false, error: "Upload a capture of at most 8 MB (filter it to SIP first)." };
    file = new Uint8Array(await upload.arrayBuffer());
  }
  const text = parsed.data.trace?.trim() ? parsed.data.trace : undefined;
  if (!file && !text) return { ok: false, error: "Paste a SIP trace or choose a capture file." };

  const report = checkTrace({ text, file }, expectationsFor(trunk));
  if (!parsed.data.save || report.messages.length === 0) return { ok: true, report, savedId: null };

  const now = new Date();
  const saved = await ctx.db.$transaction(async (tx) => {
    const row = await tx.savedTrace.create({
      data: {
        trunkId: trunk.id,
        savedById: ctx.actor?.id ?? null,
        savedByEmail: ctx.actor?.email ?? "",
        createdAt: now,
        expiresAt: new Date(now.getTime() + SAVED_TRACE_DAYS * 24 * 3600 * 1000),
        messageCount: report.messages.length,
        errorCount: report.errorCount,
        report: { messages: report.messages, overall: report.overall, warnings: report.warnings },
        text: report.text,
      },
    });
    await recordAudit(tx, ctx, {
      action: "trunk.save-trace",
      targetType: "trunk",
      targetId: trunk.id,
      customerId: trunk.customerId,
      details: { savedTraceId: row.id, messages: report.messages.length, errors: report.errorCount },
    });
    return row;
  });
  return { ok: true, report, savedId: saved.id };
}

/** The trunk's saved traces, newest first (the ticket history). */
export function listSavedTraces(db: Db, trunkId: string) {
  return db.savedTrace.findMany({
    where: { trunkId, expiresAt: { gt: new Date() } },
    orderBy: { createdAt: "desc" },
    take: 50,
  });
}

/** The retention job: saved traces go after SAVED_TRACE_DAYS. */
export async function deleteExpiredTraces(db: Db) {
  return (await db.savedTrace.deleteMany({ where: { expiresAt: { lte: new Date() } } })).count;
}
