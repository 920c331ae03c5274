import type { Db } from "../db";
import type { Prisma } from "../generated/prisma/client";
import { syncProviderPolicy } from "./provider-policy";
import { loadAllTrunksForSync, subscriberFor } from "./sync";
import type { Registrar, RegistrarSnapshot, Subscriber, SubscriberAttributes } from "./types";

export type Finding = {
  username: string;
  realm?: string;
  problem: "missing" | "wrong-hash" | "wrong-attributes" | "extra-realm" | "should-be-absent" | "unknown";
  detail: string;
  action: "repaired" | "removed" | "reported";
};

const normalise = (attributes: SubscriberAttributes) =>
  JSON.stringify({
    ...attributes,
    allowedPrefixes: [...attributes.allowedPrefixes].sort(),
    dids: [...attributes.dids].sort(),
    forcedCallerId: attributes.forcedCallerId ?? null,
    forcedCallerIdName: attributes.forcedCallerIdName ?? null,
    maxCallsPerSecond: attributes.maxCallsPerSecond ?? null,
    maxCallsPerDay: attributes.maxCallsPerDay ?? null,
    maxMinutesPerDay: attributes.maxMinutesPerDay ?? null,
    outboundSuspended: attributes.outboundSuspended ?? null,
    capCountingSince: attributes.capCountingSince ?? null,
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
      findings.push({ username, realm: row.realm, problem: "wrong-hash", detail: "HA1/HA1b differ from the portal's" });
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
 * Compares every trunk with the registrar and repairs drift by re-provisioning the trunk. Subscribers the portal
 * does not know are reported, and removed only when `removeUnknown` is set (another system may own them).
 */
export async function reconcile(db: Db, registrar: Registrar, { removeUnknown = false } = {}) {
  // Provider-wide rules are small and written whole: rewriting them is the cheapest way to repair any drift.
  await syncProviderPolicy(db, registrar);
  const [trunks, rows] = await Promise.all([loadAllTrunksForSync(db), registrar.list()]);
  const byUsername = new Map<string, RegistrarSnapshot[]>();
  for (const row of rows) byUsername.set(row.username, [...(byUsername.get(row.username) ?? []), row]);

  const findings: Finding[] = [];
  for (const trunk of trunks) {
    const desired = trunk.status === "DELETED" ? null : subscriberFor(trunk);
    const problems = compare(desired, byUsername.get(trunk.username) ?? [], trunk.username);
    byUsername.delete(trunk.username);
    if (problems.length === 0) continue;
    if (desired) await registrar.put(desired);
    else await registrar.remove(trunk.username);
    findings.push(...problems.map((problem) => ({ ...problem, action: "repaired" as const })));
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
        repaired: new Set(findings.filter((f) => f.action !== "reported").map((f) => f.username)).size,
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
