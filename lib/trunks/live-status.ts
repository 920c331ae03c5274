import { answerWithin, notAnsweringMessage, REGISTRAR_ANSWER_MS, shared } from "../registrar/answer-within";
import { registrationStatus } from "../registrar/status";
import type { Registrar } from "../registrar/types";
import type { Audience, RegistrationView, SyncView, TrunkLiveStatus } from "./live-status-view";

type SyncFields = {
  syncState: SyncView["state"];
  syncVersion: number;
  syncedAt: Date | null;
  syncRequestedAt: Date | null;
  syncNextAttemptAt: Date | null;
  syncError: string | null;
};

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function syncView(trunk: SyncFields, audience: Audience): SyncView {
  return {
    state: trunk.syncState,
    version: trunk.syncVersion,
    syncedAt: iso(trunk.syncedAt),
    requestedAt: iso(trunk.syncRequestedAt),
    nextAttemptAt: iso(trunk.syncNextAttemptAt),
    error: audience === "staff" ? trunk.syncError : null,
  };
}

/**
 * The trunk's live registrations, or "not answering" after `timeoutMs`: a registrar that hangs costs a page or a
 * poll a few seconds at most, never the page itself.
 */
export async function liveRegistration(
  registrar: Registrar,
  username: string,
  hostnames: string[],
  timeoutMs = REGISTRAR_ANSWER_MS,
): Promise<RegistrationView> {
  const lookup = shared(`registrations:${username}:${hostnames.join(",")}`, () =>
    registrationStatus(registrar, username, hostnames),
  );
  const status = await answerWithin(lookup, timeoutMs, () => ({
    state: "unavailable" as const,
    error: notAnsweringMessage(timeoutMs),
  }));
  if (status.state === "unavailable") return { state: "not-answering", error: status.error };
  return {
    state: "ok",
    registrations: status.registrations.map((registration) => ({
      contact: registration.contact,
      source: registration.source,
      userAgent: registration.userAgent,
      expiresAt: registration.expiresAt.toISOString(),
      caseMismatch: registration.caseMismatch,
    })),
  };
}

export type TrunkForStatus = SyncFields & { username: string; servers: { server: { hostname: string } }[] };

export async function trunkLiveStatus(
  registrar: Registrar,
  trunk: TrunkForStatus,
  audience: Audience,
): Promise<TrunkLiveStatus> {
  const hostnames = trunk.servers.map((row) => row.server.hostname);
  return {
    checkedAt: new Date().toISOString(),
    sync: syncView(trunk, audience),
    registration: await liveRegistration(registrar, trunk.username, hostnames),
  };
}
