import type { DialPermission } from "./types";

/**
 * The reference Kamailio's outbound number rules (kamailio.cfg route[E164] and route[DIAL_PERMISSION]) in TypeScript,
 * so the packet check can tell a customer before a call what the registrar will do with it. Keep in step with the
 * configuration: the area-code lists are copies.
 */

const OTHER_NANP = /^(242|246|264|268|284|345|441|473|649|658|664|721|758|767|784|809|829|849|868|869|876)$/;
const CANADA =
  /^(204|226|236|249|250|257|263|289|306|343|354|365|367|368|382|403|416|418|428|431|437|438|450|468|474|506|514|519|548|579|581|584|587|600|604|613|622|633|639|644|647|655|672|677|683|688|705|709|742|753|778|780|782|807|819|825|867|873|879|902|905|942)$/;

export const EMERGENCY_NUMBERS = ["911", "933"];

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
export function mayCall(e164: string, permission: DialPermission, allowedPrefixes: readonly string[]): boolean {
  if (permission === "INTERNATIONAL") return true;
  if (e164.startsWith("+1")) {
    const npa = e164.slice(2, 5);
    if (OTHER_NANP.test(npa) || npa === "900") return false;
    const canada = CANADA.test(npa);
    if (permission === "US_ONLY") return !canada;
    if (permission === "US_CANADA") return true;
    return permission === "COUNTRIES" && allowedPrefixes.includes("1");
  }
  return permission === "COUNTRIES" && allowedPrefixes.some((prefix) => e164.slice(1).startsWith(prefix));
}
