import { CHECK_CONTACT_PREFIX } from "../sip/register-probe";
import type { Registrar, Registration } from "./types";

export type RegistrationView = Registration & {
  /** Set when the PBX used a server name that differs from the configured one only by case: the fix to make. */
  caseMismatch: { used: string; expected: string } | null;
};

export type RegistrationStatus =
  | { state: "ok"; registrations: RegistrationView[] }
  | { state: "unavailable"; error: string };

/**
 * Live registrations of a trunk, read from the registrar, each checked against the exact server hostnames: a PBX
 * configured with another casing registers, but every call fails.
 */
export async function registrationStatus(
  registrar: Registrar,
  username: string,
  hostnames: string[],
): Promise<RegistrationStatus> {
  try {
    // The portal's own credential check registers a contact for a few milliseconds: it is not the customer's PBX.
    const registrations = (await registrar.registrations(username)).filter(
      (registration) => !registration.contact.includes(`sip:${CHECK_CONTACT_PREFIX}`),
    );
    return {
      state: "ok",
      registrations: registrations.map((registration) => {
        const used = registration.requestedHost;
        const expected = used ? hostnames.find((host) => host.toLowerCase() === used.toLowerCase()) : undefined;
        return {
          ...registration,
          caseMismatch: used && expected && used !== expected ? { used, expected } : null,
        };
      }),
    };
  } catch (error) {
    return { state: "unavailable", error: error instanceof Error ? error.message : String(error) };
  }
}
