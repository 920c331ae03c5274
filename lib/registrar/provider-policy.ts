import type { Db, Tx } from "../db";
import { enqueueJob } from "../jobs/queue";
import { getProviderSettings } from "../settings";
import type { ProviderPolicy, Registrar } from "./types";

export const SYNC_PROVIDER_POLICY_TASK = "registrar.sync-provider-policy";

/** The provider-wide rules the registrar must enforce, as the portal knows them now. */
export async function providerPolicyFor(db: Tx): Promise<ProviderPolicy> {
  // Every server, active or not: trunks keep using a server that no longer takes new trunks.
  const [servers, settings] = await Promise.all([
    db.sipServer.findMany({ select: { hostname: true }, orderBy: { hostname: "asc" } }),
    getProviderSettings(db),
  ]);
  return { serverNames: servers.map((server) => server.hostname), blockedPrefixes: settings.blockedPrefixes };
}

/** Queues a provider-policy sync in the caller's transaction; pending requests coalesce. */
export async function requestProviderPolicySync(tx: Tx) {
  await enqueueJob(tx, SYNC_PROVIDER_POLICY_TASK, {}, { jobKey: "sync-provider-policy" });
}

/** Makes the registrar's provider-wide rules match the portal (as they are when the job runs). */
export async function syncProviderPolicy(db: Db, registrar: Registrar) {
  await registrar.putProviderPolicy(await providerPolicyFor(db));
}
