import type { Db } from "../db";
import { type Explanation, explainResponse, type TrunkForExplanations } from "../registrar/refusals";
import type { CallOutcome, CallRecord, Registrar } from "../registrar/types";
import { getProviderSettings } from "../settings";

/** A trunk's recent calls as staff and the customer see them: each with a plain-language reason. */

export const CALLS_PER_PAGE = 25;

export type CallView = CallRecord & {
  answered: boolean;
  durationSeconds: number | null;
  explanation: Explanation;
};

export type TrunkCalls =
  | { state: "ok"; calls: CallView[]; nextCursor: string | null }
  | { state: "unavailable"; error: string };

/** Keyset cursor: the last call shown (time and id), opaque to the page. */
export function encodeCursor(call: { at: Date; id: string }): string {
  return Buffer.from(`${call.at.toISOString()}|${call.id}`).toString("base64url");
}

export function decodeCursor(cursor: string | undefined): { at: Date; id: string } | undefined {
  if (!cursor) return undefined;
  const match = /^(\d{4}-\d\d-\d\dT[\d:.]+Z)\|(\d{1,18})$/.exec(Buffer.from(cursor, "base64url").toString());
  const at = match ? new Date(match[1] as string) : null;
  return at && !Number.isNaN(at.getTime()) ? { at, id: match?.[2] as string } : undefined;
}

export const parseOutcome = (value: string | undefined): CallOutcome | undefined =>
  value === "answered" || value === "failed" ? value : undefined;

export async function trunkCalls(
  registrar: Registrar,
  trunk: TrunkForExplanations & { username: string },
  options: { outcome?: CallOutcome; cursor?: string; limit?: number } = {},
): Promise<TrunkCalls> {
  const limit = options.limit ?? CALLS_PER_PAGE;
  try {
    // One more than a page: whether there is a next page, without counting.
    const records = await registrar.callRecords({
      username: trunk.username,
      outcome: options.outcome,
      before: decodeCursor(options.cursor),
      limit: limit + 1,
    });
    const page = records.slice(0, limit);
    const last = page.at(-1);
    return {
      state: "ok",
      calls: page.map((call) => {
        const answered = call.status >= 200 && call.status < 300;
        return {
          ...call,
          answered,
          durationSeconds: call.endedAt
            ? Math.max(0, Math.round((call.endedAt.getTime() - call.at.getTime()) / 1000))
            : null,
          explanation: explainResponse(call.status, call.reason, trunk),
        };
      }),
      nextCursor: records.length > limit && last ? encodeCursor(last) : null,
    };
  } catch (error) {
    return { state: "unavailable", error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The retention job: call records (and the registrar's failed-authentication counts) older than the provider's
 * setting are deleted from the registrar.
 */
export async function purgeOldCallRecords(db: Db, registrar: Registrar, now = new Date()) {
  const { callRecordRetentionDays } = await getProviderSettings(db);
  return registrar.purgeRecords(new Date(now.getTime() - callRecordRetentionDays * 24 * 3600 * 1000));
}
