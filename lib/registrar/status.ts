import { CHECK_CONTACT_PREFIX } from "../sip/register-probe";
import type { Registrar, Registration } from "./types";

export type RegistrationView = Registration & {
  /** Set when the PBX used a server name that differs from the configured one only by case: the fix to make. */
  caseMismatch: { used: string; expected: string } | null;
};

export type RegistrationStatus =
  | { state: "ok"; registrations: RegistrationView[] }
  | { state: "unavailable"; error: string };

/** A trunk as far as its registration status goes: its username and the exact server hostnames it was given. */
export type RegisteringTrunk = { username: string; hostnames: string[] };

/**
 * The customer's registrations, each checked against the exact server hostnames: a PBX using another casing
 * registers, but calls fail. The portal's own credential check registers a contact for a few milliseconds: it is not
 * the customer's PBX.
 */
function withCaseCheck(registrations: Registration[], hostnames: string[]): RegistrationView[] {
  const customers = registrations.filter(
    (registration) => !registration.contact.includes(`sip:${CHECK_CONTACT_PREFIX}`),
  );
  return customers.map((registration) => {
    const used = registration.requestedHost;
    const expected = used ? hostnames.find((host) => host.toLowerCase() === used.toLowerCase()) : undefined;
    return { ...registration, caseMismatch: used && expected && used !== expected ? { used, expected } : null };
  });
}

/**
 * Live registrations of several trunks (a page of them) in one registrar lookup, by username. An unreachable
 * registrar makes every status "unavailable" instead of failing the page.
 */
export async function registrationStatuses(
  registrar: Registrar,
  trunks: RegisteringTrunk[],
): Promise<Map<string, RegistrationStatus>> {
  try {
    const found = await registrar.registrations(trunks.map((trunk) => trunk.username));
    return new Map(
      trunks.map((trunk) => [
        trunk.username,
        { state: "ok", registrations: withCaseCheck(found.get(trunk.username) ?? [], trunk.hostnames) },
      ]),
    );
  } catch (error) {
    const unavailable: RegistrationStatus = {
      state: "unavailable",
      error: error instanceof Error ? error.message : String(error),
    };
    return new Map(trunks.map((trunk) => [trunk.username, unavailable]));
  }
}

/** Live registrations of one trunk (its page). */
export async function registrationStatus(
  registrar: Registrar,
  username: string,
  hostnames: string[],
): Promise<RegistrationStatus> {
  const statuses = await registrationStatuses(registrar, [{ username, hostnames }]);
  return statuses.get(username) ?? { state: "ok", registrations: [] };
}
