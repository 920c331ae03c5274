import type { Prisma } from "../generated/prisma/client";
import type { SyncState, TrunkStatus } from "../generated/prisma/enums";
import type { CredentialCheckRow } from "./credential-check";

/**
 * "Needs attention": one notion for staff and customers, one badge on the trunk page, one list on the Registrar page.
 * A trunk needs someone's attention when
 * - the registrar refuses its data (sync state NEEDS_ATTENTION: retrying cannot help, lib/registrar/sync.ts);
 * - an enabled trunk's credentials failed the on-the-wire check on one of its servers (./credential-check.ts);
 * - an enabled trunk's outbound calls are suspended after a crossed daily cap (./fraud-guard.ts);
 * - its username is under a burst of failed authentications, for staff (./auth-failures.ts).
 */

export type AttentionTrunk = {
  status: TrunkStatus;
  syncState: SyncState;
  syncError: string | null;
  outboundSuspendedReason: string | null;
};

export type OpenAuthFailureBurst = { failures: number; sources: string[]; startedAt: Date };

/** Why the trunk needs attention now, in words for `audience`; empty when it does not. */
export function attentionReasons(
  trunk: AttentionTrunk,
  checks: CredentialCheckRow[],
  audience: "staff" | "customer",
  burst: OpenAuthFailureBurst | null = null,
): string[] {
  const reasons: string[] = [];
  if (trunk.syncState === "NEEDS_ATTENTION") {
    reasons.push(
      audience === "staff"
        ? `The registrar refuses this trunk's data, so it is not retried: ${trunk.syncError ?? "no reason given"}. Correct what it names (edit the trunk), or resync once the registrar is fixed.`
        : "The latest change to this trunk has not reached our SIP servers: our support team has to look at it.",
    );
  }
  if (trunk.status !== "ACTIVE") return reasons;
  for (const check of checks) {
    if (check.outcome !== "VERIFIED") {
      reasons.push(`The credentials could not be verified on ${check.server.hostname}.`);
    }
  }
  if (trunk.outboundSuspendedReason) {
    reasons.push(
      `Outbound calls are suspended (${trunk.outboundSuspendedReason}) to protect against fraud; inbound and 911 calls still work. ${audience === "staff" ? "Lift the suspension below once it is understood." : "Contact support to resume outbound calling."}`,
    );
  }
  if (burst && audience === "staff") {
    reasons.push(
      `${burst.failures} failed authentications for this username in the last minutes, from ${burst.sources.length} ${burst.sources.length === 1 ? "address" : "addresses"} (${burst.sources.join(", ")}): someone may be guessing its password. Support was emailed.`,
    );
  }
  return reasons;
}

/** The same rules as a query, for lists (each condition is indexed). */
export const NEEDS_ATTENTION: Prisma.TrunkWhereInput = {
  OR: [
    { syncState: "NEEDS_ATTENTION" },
    {
      status: "ACTIVE",
      OR: [
        { credentialChecks: { some: { outcome: { not: "VERIFIED" } } } },
        { outboundSuspendedAt: { not: null } },
        { authFailureBursts: { some: { endedAt: null } } },
      ],
    },
  ],
};
