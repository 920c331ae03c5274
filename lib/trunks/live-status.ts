import { answerWithin, notAnsweringMessage, REGISTRAR_ANSWER_MS, shared } from "../registrar/answer-within";
import { type RegistrationStatus, registrationStatuses } from "../registrar/status";
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
const asView = (status: RegistrationStatus): RegistrationView =>
  status.state === "unavailable"
    ? { state: "not-answering", error: status.error }
    : {
        state: "ok",
        registrations: status.registrations.map((registration) => ({
          contact: registration.contact,
          source: registration.source,
          userAgent: registration.userAgent,
          expiresAt: registration.expiresAt.toISOString(),
          caseMismatch: registration.caseMismatch,
        })),
      };

/**
 * The live registrations of several trunks (a page of them) in one registrar lookup, by username, or "not answering"
 * for all after `timeoutMs`: a registrar that hangs costs a page or a poll a few seconds at most, never the page
 * itself.
 */
export async function liveRegistrations(
  registrar: Registrar,
  trunks: { username: string; hostnames: string[] }[],
  timeoutMs = REGISTRAR_ANSWER_MS,
): Promise<Map<string, RegistrationView>> {
  const key = trunks.map((trunk) => `${trunk.username}:${trunk.hostnames.join(",")}`).join(";");
  const lookup = shared(`registrations:${key}`, () => registrationStatuses(registrar, trunks));
  const statuses = await answerWithin(lookup, timeoutMs, () => null);
  const notAnswering: RegistrationView = { state: "not-answering", error: notAnsweringMessage(timeoutMs) };
  return new Map(
    trunks.map((trunk) => {
      const status = statuses?.get(trunk.username);
      return [trunk.username, status ? asView(status) : notAnswering];
    }),
  );
}

/** The live registrations of one trunk (its page, its status poll). */
export async function liveRegistration(
  registrar: Registrar,
  username: string,
  hostnames: string[],
  timeoutMs = REGISTRAR_ANSWER_MS,
): Promise<RegistrationView> {
  const views = await liveRegistrations(registrar, [{ username, hostnames }], timeoutMs);
  return views.get(username) as RegistrationView;
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
