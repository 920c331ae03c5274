import { digestHashes } from "../credentials/digest";
import { type Db, withConnection } from "../db";
import type { Prisma } from "../generated/prisma/client";
import { rehashTrunk } from "../trunks";
import { decryptTrunkPassword } from "../trunks/password";
import { isFanOut } from "./fanout";
import { attributeKey, attributeRows } from "./kamailio-attributes";
import { syncProviderPolicy } from "./provider-policy";
import { subscriberFor, syncTrunks, type TrunkForSync } from "./sync";
import { type CursorTrunk, openTrunkCursor, rememberVerifiedDigests } from "./trunk-cursor";
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

/**
 * The attributes as the registrar's rows, one comparable string (attributeKey). The SQL adapter hands its rows over
 * as that string already: a million registrar rows are compared without being parsed (bench/README.md).
 */
const keyOf = (attributes: SubscriberAttributes) => attributeKey(attributeRows(attributes));
const registrarKeyOf = (row: RegistrarSnapshot) => row.attributeKey ?? keyOf(row.attributes);

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
  const wanted = keyOf(desired.attributes);
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
    const held = registrarKeyOf(row);
    if (held !== wanted) {
      findings.push({
        username,
        realm: row.realm,
        problem: "wrong-attributes",
        detail: `registrar has ${held.replaceAll("\n", ", ") || "no attributes"}`,
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
function fromSealedPassword(trunk: TrunkForSync, now: Date): Subscriber {
  const password = decryptTrunkPassword(trunk);
  const subscriber = subscriberFor(trunk, now);
  subscriber.credentials = trunk.credentials.map(({ realm }) => ({
    realm,
    ...digestHashes(trunk.username, realm, password),
  }));
  return subscriber;
}

/** Realms whose stored digests (what syncs send) are not those of the sealed password. */
function stalePortalHashes(trunk: TrunkForSync, desired: Subscriber): Omit<Finding, "action">[] {
  return desired.credentials
    .filter((credential) =>
      trunk.credentials.some(
        (row) => row.realm === credential.realm && (row.ha1 !== credential.ha1 || row.ha1b !== credential.ha1b),
      ),
    )
    .map((credential) => ({
      username: trunk.username,
      realm: credential.realm,
      problem: "stale-portal-hash" as const,
      detail: "the portal's stored HA1/HA1b are not those of the customer's current password",
    }));
}

/** Trunks (and registrar subscribers) compared per batch. */
export const RECONCILE_BATCH_SIZE = 2_000;
/** A run keeps the first findings in full and counts the rest: a registrar that lost everything is one line. */
export const FINDINGS_KEPT = 200;

export type ReconcileReport = {
  checked: number;
  /** Sealed passwords opened to check digests no earlier run had verified (new or changed trunks, the first run). */
  passwordsOpened: number;
  findings: Finding[];
  findingsTotal: number;
  repaired: number;
};

type ReconcileOptions = {
  removeUnknown?: boolean;
  batchSize?: number;
  /** Called after every batch with the number of trunks compared so far. */
  onProgress?: (checked: number) => Promise<void> | void;
};

/** The registrars to compare one by one: the members of a fan-out, or the registrar itself. */
const targetsOf = (registrar: Registrar) => (isFanOut(registrar) ? registrar.members : [registrar]);

function groupByUsername(rows: RegistrarSnapshot[]) {
  const byUsername = new Map<string, RegistrarSnapshot[]>();
  for (const row of rows) {
    const list = byUsername.get(row.username);
    if (list) list.push(row);
    else byUsername.set(row.username, [row]);
  }
  return byUsername;
}

/**
 * Compares every trunk with the registrar and repairs drift, streaming: trunks in username order, a batch at a time
 * from one cursor over one snapshot (./trunk-cursor), each batch checked against what every registrar holds for those
 * usernames, so memory stays flat at a million trunks. A trunk changed during the run may be compared as it was when
 * the run began; its sync rewrites it as it is now, so that costs a finding, never a wrong repair.
 *
 * The registrar is checked against the password the customer holds, not merely against the portal's stored digests:
 * a trunk's sealed password is opened and its digests computed, unless an earlier run verified that the trunk's stored
 * digests are those of this very sealed password (TrunkDigestCheck, whose fingerprint covers the username, the
 * ciphertext and every realm's digests, compared in the cursor's query). Then the stored digests are the right ones and
 * are compared as they are: a run opens only the passwords of new and changed trunks (a reset, a new server, a key
 * rotation's re-seal, digests changed by hand), a quarter of the CPU a run spent per trunk (bench/README.md).
 *
 * The portal's stored digests are rewritten from the sealed password where they are stale, then the drifting trunks of
 * the batch are synced together, the way the worker syncs them. Then each registrar's own subscribers are walked in
 * batches to find those the portal does not know (checked against the trunks as they are then, not the run's
 * snapshot): they are reported, and removed only when `removeUnknown` is set (another system may own them).
 */
export async function reconcile(
  db: Db,
  registrar: Registrar,
  { removeUnknown = false, batchSize = RECONCILE_BATCH_SIZE, onProgress }: ReconcileOptions = {},
): Promise<ReconcileReport> {
  // Provider-wide rules are small and written whole: rewriting them is the cheapest way to repair any drift.
  await syncProviderPolicy(db, registrar);
  const report: ReconcileReport = { checked: 0, passwordsOpened: 0, findings: [], findingsTotal: 0, repaired: 0 };
  const repaired = new Set<string>();
  const note = (found: Finding[]) => {
    report.findingsTotal += found.length;
    report.findings.push(...found.slice(0, FINDINGS_KEPT - report.findings.length));
  };
  const targets = targetsOf(registrar);

  /** Compares one batch with what each registrar holds, rewrites stale portal digests and syncs what drifts. */
  const settle = async (trunks: CursorTrunk[], held: Map<string, RegistrarSnapshot[]>[]) => {
    const drifting: { trunk: TrunkForSync; problems: Omit<Finding, "action">[]; stale: boolean }[] = [];
    const verified: CursorTrunk[] = [];
    const now = new Date();
    for (const trunk of trunks) {
      let desired: Subscriber | null = null;
      let problems: Omit<Finding, "action">[] = [];
      if (trunk.status !== "DELETED" && trunk.digestsVerified) {
        // The stored digests were verified against this very password by an earlier run: they are what it gives.
        desired = subscriberFor(trunk, now);
      } else if (trunk.status !== "DELETED") {
        desired = fromSealedPassword(trunk, now);
        report.passwordsOpened++;
        problems = stalePortalHashes(trunk, desired);
        if (problems.length === 0) verified.push(trunk);
      }
      const stale = problems.length > 0;
      for (const rows of held) problems.push(...compare(desired, rows.get(trunk.username) ?? [], trunk.username));
      if (problems.length) drifting.push({ trunk, problems, stale });
    }
    await rememberVerifiedDigests(db, verified);
    for (const { trunk, stale } of drifting) if (stale) await rehashTrunk(db, trunk.id);
    const outcomes = drifting.length
      ? await syncTrunks(
          db,
          registrar,
          drifting.map(({ trunk }) => trunk.id),
        )
      : new Map();
    for (const { trunk, problems } of drifting) {
      const outcome = outcomes.get(trunk.id)?.outcome;
      const fixed = outcome === "synced" || outcome === "gone";
      if (fixed) repaired.add(trunk.username);
      note(
        problems.map((problem) => ({ ...problem, action: fixed ? ("repaired" as const) : ("not repaired" as const) })),
      );
    }
  };

  await withConnection(db, async (client) => {
    const portal = await openTrunkCursor(client);
    /** The next batch of trunks in username order, and what each registrar holds for those usernames. */
    const readBatch = async () => {
      const trunks = await portal.next(batchSize);
      const usernames = trunks.map((trunk) => trunk.username);
      const held = trunks.length
        ? await Promise.all(targets.map(async (target) => groupByUsername(await target.snapshots(usernames))))
        : [];
      return { trunks, held };
    };
    let reading = readBatch();
    for (;;) {
      const { trunks, held } = await reading;
      if (trunks.length === 0) break;
      // The next batch is read while this one is compared and repaired: PostgreSQL and Node work at the same time.
      reading = readBatch();
      // Awaited on the next turn; if this batch fails first, its error is the one reported.
      reading.catch(() => {});
      await settle(trunks, held);
      report.checked += trunks.length;
      await onProgress?.(report.checked);
    }
    await portal.close();
  });

  for (const target of targets) {
    for (let after: string | null = null; ; ) {
      // The registrar's names first, then the portal's: a trunk reaches the registrar only after its row is
      // committed, so a subscriber listed here whose trunk was created meanwhile is found in the portal's read.
      const names = await target.usernames(after, batchSize);
      if (names.length === 0) break;
      const known = await db.$queryRaw<{ username: string }[]>`
        SELECT username FROM "Trunk" WHERE username = ANY(${names}::text[])`;
      const knownNames = new Set(known.map((row) => row.username));
      const unknown = names.filter((name) => !knownNames.has(name));
      if (unknown.length) {
        const rows = await target.snapshots(unknown);
        if (removeUnknown) {
          const results = await registrar.apply(unknown.map((username) => ({ remove: username })));
          const failed = results.find(Boolean);
          if (failed) throw failed;
          for (const username of unknown) repaired.add(username);
        }
        note(
          rows.map((row) => ({
            username: row.username,
            realm: row.realm,
            problem: "unknown" as const,
            detail: "subscriber not known to the portal",
            action: removeUnknown ? ("removed" as const) : ("reported" as const),
          })),
        );
      }
      after = names[names.length - 1] ?? null;
    }
  }
  report.repaired = repaired.size;
  return report;
}

/** Runs one reconciliation and records its report, and its progress while it runs, on the ReconciliationRun row. */
export async function runReconciliation(
  db: Db,
  registrar: Registrar,
  runId: string,
  options: { removeUnknown: boolean },
) {
  const [estimate] = await db.$queryRaw<{ n: number }[]>`
    SELECT greatest(reltuples, 0)::bigint::int AS n FROM pg_class WHERE oid = '"Trunk"'::regclass`;
  await db.reconciliationRun.update({
    where: { id: runId },
    data: { startedAt: new Date(), checked: 0, expected: estimate?.n ?? null },
  });
  try {
    const report = await reconcile(db, registrar, {
      ...options,
      onProgress: async (checked) => {
        await db.reconciliationRun.update({ where: { id: runId }, data: { checked } });
      },
    });
    await db.reconciliationRun.update({
      where: { id: runId },
      data: {
        finishedAt: new Date(),
        checked: report.checked,
        repaired: report.repaired,
        findings: report.findings as unknown as Prisma.InputJsonArray,
        findingsTotal: report.findingsTotal,
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
