import { createHash } from "node:crypto";
import { type Db, sqlRows, TRANSACTION_MAX_WAIT_MS, TRANSACTION_TIMEOUT_MS } from "../db";
import { Prisma } from "../generated/prisma/client";
import { ApiProblem } from "./problem";

/**
 * `Idempotency-Key` for POST requests. The first request with a key claims it (one INSERT: of concurrent requests
 * exactly one wins, in any process); a success is stored and replayed to every retry for 24 hours, so a retried
 * create returns the first trunk instead of making a second. A failure releases the key (the command changed
 * nothing), so a retry runs again. A retry that arrives while the first is still running waits for its outcome.
 */
export const IDEMPOTENCY_HEADER = "idempotency-key";
const KEPT_MS = 24 * 60 * 60 * 1000;
/** How long a concurrent retry waits for the first request before it is told to try again. */
const WAIT_FOR_FIRST_MS = 20_000;
/** A claim older than any request can run was left by a process that died mid-request. */
const ABANDONED_AFTER_MS = TRANSACTION_MAX_WAIT_MS + TRANSACTION_TIMEOUT_MS + 30_000;
const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;

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
    if (existing.completedAt && existing.statusCode !== null && existing.responseBody !== null) {
      return { status: existing.statusCode, body: JSON.parse(existing.responseBody), replayed: true };
    }
    if (Date.now() - existing.createdAt.getTime() > ABANDONED_AFTER_MS) {
      throw new ApiProblem(
        409,
        "idempotency-outcome-unknown",
        "The first request with this Idempotency-Key was interrupted and its outcome is unknown: look the resource up before you try again with a new key.",
      );
    }
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
    await db.idempotencyKey.deleteMany({ where: { apiKeyId, key } });
    throw error;
  }
  if (result.status >= 200 && result.status < 300) {
    await sqlRows(
      db,
      Prisma.sql`UPDATE "IdempotencyKey" SET "completedAt" = ${new Date()}, "statusCode" = ${result.status},
        "responseBody" = ${JSON.stringify(result.replayBody ?? result.body)}
        WHERE "apiKeyId" = ${apiKeyId} AND "key" = ${key}`,
      "idempotency-complete",
    );
  } else {
    await db.idempotencyKey.deleteMany({ where: { apiKeyId, key } });
  }
  return result;
}

/** Forgets keys past their 24 hours (and claims abandoned long ago). */
export async function deleteExpiredIdempotencyKeys(db: Db, now = new Date()) {
  const { count } = await db.idempotencyKey.deleteMany({
    where: { createdAt: { lt: new Date(now.getTime() - KEPT_MS) } },
  });
  return count;
}
