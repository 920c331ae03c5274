import type { CallerIdPolicy, DialPermission } from "../generated/prisma/enums";
import { describeCountry } from "./countries";

/** Trunk settings in plain words, for staff pages, the customer portal and emails alike. */
export const DIAL_PERMISSION_LABELS: Record<DialPermission, string> = {
  US_ONLY: "US only",
  US_CANADA: "US and Canada",
  COUNTRIES: "Selected countries",
  INTERNATIONAL: "International",
};

export const CALLER_ID_POLICY_LABELS: Record<CallerIdPolicy, string> = {
  FORCED: "Forced to a provider number",
  OWN_DIDS: "The customer's own numbers",
};

export function describeDialPermission(permission: DialPermission, countries: readonly string[]): string {
  switch (permission) {
    case "US_ONLY":
      return "Calls to US numbers only. Emergency calls (911) are always allowed.";
    case "US_CANADA":
      return "Calls to US and Canadian numbers. Emergency calls (911) are always allowed.";
    case "COUNTRIES":
      return `Calls to these countries only: ${countries.map(describeCountry).join(", ") || "none"}. Emergency calls (911) are always allowed.`;
    case "INTERNATIONAL":
      return "Calls to any country. Emergency calls (911) are always allowed.";
  }
}

export function describeCallerId(policy: CallerIdPolicy, forcedNumber: string | null): string {
  return policy === "FORCED"
    ? `Every outbound call, 911 included, shows ${forcedNumber}. It will not match your inbound numbers.`
    : "Outbound calls must show one of this trunk's own numbers (DIDs); other caller IDs are rejected.";
}

export function describeCallLimit(limit: number): string {
  return `${limit} concurrent ${limit === 1 ? "call" : "calls"}`;
}
