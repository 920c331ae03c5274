import { createHash } from "node:crypto";
import { type Db, sqlRows, TRANSACTION_MAX_WAIT_MS, TRANSACTION_TIMEOUT_MS } from "../db";
import { Prisma } from "../generated/prisma/client";
import { ApiProblem } from "./problem";

/**
 * `Idempotency-Key` for POST requests. The first request with a key claims it (one INSERT: of concurrent requests
 * exactly one wins, in any process); a success is stored and replayed to every retry for 24 hours, so a retried
 * create returns the first trunk instead of making a second. A refusal releases the key (the command changed
 * nothing), so a corrected retry runs. An unexpected error may have come after the change was committed (the answer's
 * read-back failing, say): its key is kept as "outcome unknown", so a retry is told to look before it creates again,
 * never run a second time. A retry that arrives while the first is still running waits for its outcome.
 */
export const IDEMPOTENCY_HEADER = "idempotency-key";
const KEPT_MS = 24 * 60 * 60 * 1000;
/** How long a concurrent retry waits for the first request before it is told to try again. */
const WAIT_FOR_FIRST_MS = 20_000;
/** A claim older than any request can run was left by a process that died mid-request. */
const ABANDONED_AFTER_MS = TRANSACTION_MAX_WAIT_MS + TRANSACTION_TIMEOUT_MS + 30_000;
const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;
/** Stored for a request that failed unexpectedly; completed requests store only their 2xx answers. */
const OUTCOME_UNKNOWN_STATUS = 409;

const outcomeUnknown = () =>
  new ApiProblem(
    OUTCOME_UNKNOWN_STATUS,
    "idempotency-outcome-unknown",
    "The first request with this Idempotency-Key was interrupted and its outcome is unknown: look the resource up before you try again with a new key.",
  );

export type ApiResult = {
  status: number;
  body: unknown;
  /** What a replay returns instead of `body`, when the body holds something that must be shown only once. */
  replayBody?: unknown;
};

export const requestFingerprint = (method: string, path: string, body: string) =>
  createHash("sha256").update(`${method} ${path}\n${body}`).digest("hex");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function withIdempotency(
  db: Db,
  apiKeyId: string,
  key: string,
  fingerprint: string,
  run: () => Promise<ApiResult>,
): Promise<ApiResult & { replayed: boolean }> {
  if (!KEY_SHAPE.test(key)) {
    throw new ApiProblem(400, "invalid-idempotency-key", "An Idempotency-Key is 1-255 visible ASCII characters.");
  }
  const startedWaiting = Date.now();
  for (;;) {
    // A new key is claimed; so is one whose request completed more than 24 hours ago (it is forgotten then).
    const claimed = await sqlRows(
      db,
      Prisma.sql`INSERT INTO "IdempotencyKey" AS k ("apiKeyId", "key", "requestHash")
        VALUES (${apiKeyId}, ${key}, ${fingerprint})
        ON CONFLICT ("apiKeyId", "key") DO UPDATE SET "requestHash" = EXCLUDED."requestHash",
          "createdAt" = EXCLUDED."createdAt", "completedAt" = NULL, "statusCode" = NULL, "responseBody" = NULL
        WHERE k."completedAt" IS NOT NULL AND k."createdAt" < ${new Date(Date.now() - KEPT_MS)}
        RETURNING 1`,
      "idempotency-claim",
    );
    if (claimed.length === 1) return { ...(await runClaimed(db, apiKeyId, key, run)), replayed: false };

    const existing = await db.idempotencyKey.findUnique({ where: { apiKeyId_key: { apiKeyId, key } } });
    if (!existing) continue; // released by a request that failed: claim it again
    if (existing.requestHash !== fingerprint) {
      throw new ApiProblem(
        422,
        "idempotency-key-reused",
        "This Idempotency-Key was already used for a different request; use a new key for a new request.",
      );
    }
    if (existing.statusCode === OUTCOME_UNKNOWN_STATUS) throw outcomeUnknown();
    if (existing.completedAt && existing.statusCode !== null && existing.responseBody !== null) {
      return { status: existing.statusCode, body: JSON.parse(existing.responseBody), replayed: true };
    }
    if (Date.now() - existing.createdAt.getTime() > ABANDONED_AFTER_MS) throw outcomeUnknown();
    if (Date.now() - startedWaiting > WAIT_FOR_FIRST_MS) {
      throw new ApiProblem(
        409,
        "idempotency-key-in-progress",
        "A request with this Idempotency-Key is still running; try again in a moment.",
        undefined,
        { "Retry-After": "1" },
      );
    }
    await sleep(100);
  }
}

async function runClaimed(db: Db, apiKeyId: string, key: string, run: () => Promise<ApiResult>): Promise<ApiResult> {
  let result: ApiResult;
  try {
    result = await run();
  } catch (error) {
    // A problem with the request itself is found before anything runs; anything else may follow a commit.
    if (error instanceof ApiProblem) await db.idempotencyKey.deleteMany({ where: { apiKeyId, key } });
    else await complete(db, apiKeyId, key, OUTCOME_UNKNOWN_STATUS, "").catch(() => {});
    throw error;
  }
  if (result.status >= 200 && result.status < 300) {
    await complete(db, apiKeyId, key, result.status, JSON.stringify(result.replayBody ?? result.body));
  } else {
    await db.idempotencyKey.deleteMany({ where: { apiKeyId, key } });
  }
  return result;
}

function complete(db: Db, apiKeyId: string, key: string, status: number, responseBody: string) {
  return sqlRows(
    db,
    Prisma.sql`UPDATE "IdempotencyKey" SET "completedAt" = ${new Date()}, "statusCode" = ${status},
      "responseBody" = ${responseBody}
      WHERE "apiKeyId" = ${apiKeyId} AND "key" = ${key}`,
    "idempotency-complete",
  );
}

/** Forgets keys past their 24 hours (and claims abandoned long ago). */
export async function deleteExpiredIdempotencyKeys(db: Db, now = new Date()) {
  const { count } = await db.idempotencyKey.deleteMany({
    where: { createdAt: { lt: new Date(now.getTime() - KEPT_MS) } },
  });
  return count;
}
