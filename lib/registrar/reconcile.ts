import { digestHashes } from "../credentials/digest";
import type { Db } from "../db";
import type { Prisma } from "../generated/prisma/client";
import { rehashTrunk } from "../trunks";
import { decryptTrunkPassword } from "../trunks/password";
import { loadAllTrunksForSync, subscriberFor, syncTrunk, type TrunkForSync } from "./sync";
import type { Registrar, RegistrarSnapshot, Subscriber, SubscriberAttributes } from "./types";

export type Finding = {
  username: string;
  realm?: string;
  problem:
    | "missing"
    | "wrong-hash"
    | "stale-portal-hash"
    | "wrong-attributes"
    | "extra-realm"
    | "should-be-absent"
    | "unknown";
  detail: string;
  /** "not repaired": the sync that should have repaired it failed or needs attention (see the trunk). */
  action: "repaired" | "not repaired" | "removed" | "reported";
};

const normalise = (attributes: SubscriberAttributes) =>
  JSON.stringify({
    ...attributes,
    allowedCountries: [...attributes.allowedCountries].sort(),
    dids: [...attributes.dids].sort(),
    forcedCallerId: attributes.forcedCallerId ?? null,
    forcedCallerIdName: attributes.forcedCallerIdName ?? null,
  });

/** What is wrong with one trunk's registrar rows compared with what the portal says they should be. */
function compare(desired: Subscriber | null, actual: RegistrarSnapshot[], username: string): Omit<Finding, "action">[] {
  if (!desired?.enabled) {
    return actual.map((row) => ({
      username,
      realm: row.realm,
      problem: "should-be-absent" as const,
      detail: "the trunk is disabled or deleted in the portal but can still authenticate",
    }));
  }
  const findings: Omit<Finding, "action">[] = [];
  for (const credential of desired.credentials) {
    const row = actual.find((candidate) => candidate.realm === credential.realm);
    if (!row) {
      findings.push({ username, realm: credential.realm, problem: "missing", detail: "no subscriber row" });
      continue;
    }
    if (row.ha1 !== credential.ha1 || row.ha1b !== credential.ha1b) {
      findings.push({
        username,
        realm: row.realm,
        problem: "wrong-hash",
        detail: "HA1/HA1b are not those of the customer's current password",
      });
    }
    if (normalise(row.attributes) !== normalise(desired.attributes)) {
      findings.push({
        username,
        realm: row.realm,
        problem: "wrong-attributes",
        detail: `registrar has ${normalise(row.attributes)}`,
      });
    }
  }
  for (const row of actual) {
    if (!desired.credentials.some((credential) => credential.realm === row.realm)) {
      findings.push({ username, realm: row.realm, problem: "extra-realm", detail: "realm not assigned in the portal" });
    }
  }
  return findings;
}

/**
 * What the registrar must hold, with the digests computed from the password the customer holds (the sealed one), not
 * copied from the portal's stored digests: a wrong HA1 is found even when the portal's own copy is wrong too.
 */
function fromSealedPassword(trunk: TrunkForSync): Subscriber {
  const password = decryptTrunkPassword(trunk);
  return {
    ...subscriberFor(trunk),
    credentials: trunk.servers.map((row) => ({
      realm: row.server.realm,
      ...digestHashes(trunk.username, row.server.realm, password),
    })),
  };
}

/** Realms whose stored digests (what syncs send) are not those of the sealed password. */
function stalePortalHashes(trunk: TrunkForSync, desired: Subscriber): Omit<Finding, "action">[] {
  return desired.credentials
    .filter((credential) =>
      trunk.servers.some(
        (row) => row.server.realm === credential.realm && (row.ha1 !== credential.ha1 || row.ha1b !== credential.ha1b),
      ),
    )
    .map((credential) => ({
      username: trunk.username,
      realm: credential.realm,
      problem: "stale-portal-hash" as const,
      detail: "the portal's stored HA1/HA1b are not those of the customer's current password",
    }));
}

/**
 * Compares every trunk with the registrar and repairs drift: the portal's stored digests are rewritten from the
 * sealed password where they are stale, then the trunk is synced the way the worker syncs it. Subscribers the portal
 * does not know are reported, and removed only when `removeUnknown` is set (another system may own them).
 */
export async function reconcile(db: Db, registrar: Registrar, { removeUnknown = false } = {}) {
  // The registrar first, then the portal: a trunk reaches the registrar only after its row is committed, so every
  // subscriber listed is in the portal's read (read the other way round, one created meanwhile looked unknown and
  // could be removed). A change made in between at worst causes a needless resync, which reads the trunk afresh.
  const rows = await registrar.list();
  const trunks = await loadAllTrunksForSync(db);
  const byUsername = new Map<string, RegistrarSnapshot[]>();
  for (const row of rows) byUsername.set(row.username, [...(byUsername.get(row.username) ?? []), row]);

  const findings: Finding[] = [];
  for (const trunk of trunks) {
    const desired = trunk.status === "DELETED" ? null : fromSealedPassword(trunk);
    const stale = desired ? stalePortalHashes(trunk, desired) : [];
    const problems = [...stale, ...compare(desired, byUsername.get(trunk.username) ?? [], trunk.username)];
    byUsername.delete(trunk.username);
    if (problems.length === 0) continue;
    if (stale.length > 0) await rehashTrunk(db, trunk.id);
    const { outcome } = await syncTrunk(db, registrar, trunk.id);
    const action = outcome === "synced" || outcome === "gone" ? ("repaired" as const) : ("not repaired" as const);
    findings.push(...problems.map((problem) => ({ ...problem, action })));
  }
  for (const [username, unknownRows] of byUsername) {
    if (removeUnknown) await registrar.remove(username);
    findings.push(
      ...unknownRows.map((row) => ({
        username,
        realm: row.realm,
        problem: "unknown" as const,
        detail: "subscriber not known to the portal",
        action: removeUnknown ? ("removed" as const) : ("reported" as const),
      })),
    );
  }
  return { checked: trunks.length, findings };
}

/** Runs one reconciliation and records its report on the ReconciliationRun row. */
export async function runReconciliation(
  db: Db,
  registrar: Registrar,
  runId: string,
  options: { removeUnknown: boolean },
) {
  await db.reconciliationRun.update({ where: { id: runId }, data: { startedAt: new Date() } });
  try {
    const { checked, findings } = await reconcile(db, registrar, options);
    await db.reconciliationRun.update({
      where: { id: runId },
      data: {
        finishedAt: new Date(),
        checked,
        repaired: new Set(
          findings.filter((f) => f.action === "repaired" || f.action === "removed").map((f) => f.username),
        ).size,
        findings: findings as unknown as Prisma.InputJsonArray,
      },
    });
  } catch (error) {
    await db.reconciliationRun.update({
      where: { id: runId },
      data: { finishedAt: new Date(), error: error instanceof Error ? error.message : String(error) },
    });
    throw error;
  }
}
