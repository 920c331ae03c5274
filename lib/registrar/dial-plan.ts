import { destinationOf, generatedNumberingPlan } from "../phone/numbering-plan";
import type { DialPermission } from "./types";

/**
 * The reference Kamailio's outbound number rules (kamailio.cfg route[E164] and route[DIAL_PERMISSION]) in TypeScript,
 * so the packet check can tell a customer before a call what the registrar will do with it. Which country owns a
 * number comes from the numbering plan registrar/kamailio/dialplan.cfg is generated from (lib/phone), so both always
 * agree.
 */

export const EMERGENCY_NUMBERS = ["911", "933"];

/**
 * The countries a US_ONLY trunk may call: the US and the territories that share its domestic dial plan (kamailio.cfg
 * route[DIAL_PERMISSION] lists the same; dial-plan.test.ts checks it).
 */
export const US_DOMESTIC_COUNTRIES: readonly string[] = ["US", "PR", "VI", "GU", "MP", "AS"];

/** The dialled R-URI user as E.164 ("+…"), or null when the registrar refuses it as an invalid destination. */
export function toRegistrarE164(dialled: string): string | null {
  let e164: string | null = null;
  if (/^\+[1-9][0-9]{6,14}$/.test(dialled)) e164 = dialled;
  else if (/^011[1-9][0-9]{6,14}$/.test(dialled)) e164 = `+${dialled.slice(3)}`;
  else if (/^1[2-9][0-9]{2}[2-9][0-9]{6}$/.test(dialled)) e164 = `+${dialled}`;
  else if (/^[2-9][0-9]{2}[2-9][0-9]{6}$/.test(dialled)) e164 = `+1${dialled}`;
  if (e164?.startsWith("+1")) {
    if (!/^\+1[2-9][0-9]{2}[2-9][0-9]{6}$/.test(e164) || /^\+1([2-9]11|[2-9][0-9]{2}[2-9]11)/.test(e164)) return null;
  }
  return e164;
}

/** Whether a trunk with this permission may call `e164` (route[DIAL_PERMISSION]). */
export function mayCall(e164: string, permission: DialPermission, allowedCountries: readonly string[]): boolean {
  if (permission === "INTERNATIONAL") return true;
  const { country, premium } = destinationOf(generatedNumberingPlan, e164);
  if (country === null || premium) return false;
  if (permission === "US_ONLY") return US_DOMESTIC_COUNTRIES.includes(country);
  if (permission === "US_CANADA") return US_DOMESTIC_COUNTRIES.includes(country) || country === "CA";
  return permission === "COUNTRIES" && allowedCountries.includes(country);
}
