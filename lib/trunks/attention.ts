import type { TrunkStatus } from "../generated/prisma/enums";
import type { CredentialCheckRow } from "./credential-check";

/**
 * Why an active trunk needs someone's attention now (empty when it does not): problems the portal found on its own,
 * shown on the trunk to staff and to the customer.
 */
export function attentionReasons(
  trunk: { status: TrunkStatus; outboundSuspendedReason?: string | null },
  checks: CredentialCheckRow[],
): string[] {
  if (trunk.status !== "ACTIVE") return [];
  const reasons = checks
    .filter((check) => check.outcome !== "VERIFIED")
    .map((check) => `The credentials could not be verified on ${check.server.hostname}.`);
  if (trunk.outboundSuspendedReason) {
    reasons.push(
      `Outbound calls are suspended (${trunk.outboundSuspendedReason}) to protect against fraud; inbound and 911 calls still work. Support can lift it.`,
    );
  }
  return reasons;
}
