import type { SyncState } from "../generated/prisma/enums";

/**
 * What the trunk pages show live, as plain JSON with dates as ISO strings: the page renders it first on the server
 * (lib/trunks/live-status.ts builds it), then polls the trunk's status route for it (`statusUrl`). Nothing here
 * imports server code, so client components use these types and rules too.
 */
export type SyncView = {
  state: SyncState;
  /** Counts changes: a sync confirms a change once the trunk is SYNCED at a version at least the change's. */
  version: number;
  syncedAt: string | null;
  requestedAt: string | null;
  nextAttemptAt: string | null;
  /** The registrar's error, for staff only: customers are told what it means, not the technical detail. */
  error: string | null;
};

export type RegistrationView =
  | {
      state: "ok";
      registrations: {
        contact: string;
        source: string | null;
        userAgent: string | null;
        expiresAt: string;
        caseMismatch: { used: string; expected: string } | null;
      }[];
    }
  | { state: "not-answering"; error: string };

export type TrunkLiveStatus = { checkedAt: string; sync: SyncView; registration: RegistrationView };

export type Audience = "staff" | "customer";

/** The route a trunk page polls for its live status: the staff one, or the customer's own (checks ownership). */
export const statusUrl = (trunkId: string, audience: Audience) =>
  audience === "staff" ? `/staff/trunks/${trunkId}/status` : `/portal/trunks/${trunkId}/status`;

/**
 * Whether a change made at `version` (e.g. a password reset) has reached the registrar: "confirmed" once the trunk
 * is SYNCED at that version or a later one; until then, how it stands.
 */
export function changeConfirmation(sync: SyncView, version: number): "confirmed" | "waiting" | "failed" {
  if (sync.version >= version && sync.state === "SYNCED") return "confirmed";
  if (sync.version >= version && (sync.state === "FAILED" || sync.state === "NEEDS_ATTENTION")) return "failed";
  return "waiting";
}
