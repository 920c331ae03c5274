import { ConflictError } from "../errors";

/**
 * Trunks are added to active accounts only. A suspended or closed account's new trunk could not register, and its
 * credentials email would reach a customer who can no longer sign in to see the password.
 */
export function refuseTrunksUnlessActive(account: { status: string }) {
  const refusal = trunksRefusedFor(account);
  if (refusal) throw new ConflictError(refusal);
}

/** Why this account takes no new trunk, or null when it does (a CSV import's dry run lists it by line). */
export function trunksRefusedFor(account: { status: string }): string | null {
  if (account.status === "ACTIVE") return null;
  return `This account is ${account.status === "CLOSED" ? "closed" : "suspended"}: set it active again before adding trunks.`;
}
