import http from "node:http";
import https from "node:https";
import { open } from "../credentials/encryption";
import { credentialKeyring } from "../credentials/keyring";
import type { Db } from "../db";
import { retryLater } from "../jobs/queue";
import { DELIVER_WEBHOOK_TASK, webhookJobKey } from "./events";
import { checkedLookup, refusedUrl, type WebhookNetworkPolicy } from "./network";
import { webhookHeaders } from "./signature";

/** A receiver has this long to answer; Standard Webhooks receivers are expected to answer within seconds. */
export const WEBHOOK_TIMEOUT_MS = 15_000;
/** Deliveries are retried (5 s, 10 s, 20 s… at most 5 minutes apart) for three days, then they are FAILED. */
export const WEBHOOK_GIVE_UP_AFTER_MS = 3 * 24 * 60 * 60 * 1000;
const EXCERPT_CHARACTERS = 500;

export const sealContext = (endpointId: string) => `webhook:${endpointId}`;

export type WebhookResponse = { statusCode: number | null; excerpt: string | null; error: string | null };

/**
 * POSTs once, without following redirects (a redirect could lead anywhere: it is a failure the receiver must fix).
 * Resolves with what came back, or why nothing did; never throws.
 */
export function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  policy: WebhookNetworkPolicy,
): Promise<WebhookResponse> {
  const refusal = refusedUrl(url, policy);
  if (refusal) return Promise.resolve({ statusCode: null, excerpt: null, error: refusal });
  const target = new URL(url);
  const client = target.protocol === "https:" ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (response: WebhookResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(response);
    };
    const request = client.request(
      target,
      {
        method: "POST",
        lookup: checkedLookup(policy),
        headers: {
          ...headers,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "user-agent": "TrunkPortal-Webhooks/1",
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let length = 0;
        const done = () =>
          finish({
            statusCode: response.statusCode ?? null,
            excerpt: Buffer.concat(chunks).toString("utf8").slice(0, EXCERPT_CHARACTERS),
            error: null,
          });
        response.on("data", (chunk: Buffer) => {
          if (length < EXCERPT_CHARACTERS * 4) chunks.push(chunk);
          length += chunk.length;
          // The status is what counts; a long body is not read to its end.
          if (length >= EXCERPT_CHARACTERS * 4) done();
        });
        response.on("end", done);
        response.on("error", done);
      },
    );
    const timer = setTimeout(
      () => finish({ statusCode: null, excerpt: null, error: `No answer within ${WEBHOOK_TIMEOUT_MS / 1000} s` }),
      WEBHOOK_TIMEOUT_MS,
    );
    request.on("error", (error) => finish({ statusCode: null, excerpt: null, error: error.message || String(error) }));
    request.end(body);
  });
}

export type WebhookDeliveryOutcome =
  | { outcome: "delivered" | "nothing-to-send" }
  | { outcome: "gave-up"; error: string }
  | { outcome: "failed"; error: string; nextAttemptAt: Date };

/**
 * Delivers one event to one endpoint. State machine, as for mail: PENDING → DELIVERING (committed before the request)
 * → SUCCEEDED on any 2xx. A delivery found in DELIVERING was interrupted (a worker died mid-request) and is sent again
 * with the same `webhook-id`, which receivers use to ignore the duplicate. Anything else is a failed attempt, retried
 * with backoff capped at minutes (lib/jobs/queue.ts) until the event is three days old, then FAILED. Each attempt is
 * recorded with its status code, latency and the start of the response.
 */
export async function deliverWebhook(
  db: Db,
  policy: WebhookNetworkPolicy,
  deliveryId: string,
): Promise<WebhookDeliveryOutcome> {
  const delivery = await db.webhookDelivery.findUnique({
    where: { id: deliveryId },
    include: { endpoint: true, event: true },
  });
  if (!delivery || delivery.status === "SUCCEEDED" || delivery.status === "FAILED") {
    return { outcome: "nothing-to-send" };
  }
  const { endpoint, event } = delivery;
  if (!endpoint.active) {
    const error = "The endpoint was disabled; redeliver once it is enabled again.";
    await db.webhookDelivery.update({ where: { id: deliveryId }, data: { status: "FAILED", lastError: error } });
    return { outcome: "gave-up", error };
  }
  const { attemptCount } = await db.webhookDelivery.update({
    where: { id: deliveryId },
    data: { status: "DELIVERING", attemptCount: { increment: 1 } },
  });
  const secret = open(
    credentialKeyring(),
    { ciphertext: endpoint.secretSealed, keyId: endpoint.secretKeyId },
    sealContext(endpoint.id),
  );
  const startedAt = new Date();
  const headers = webhookHeaders(secret, event.id, Math.floor(startedAt.getTime() / 1000), event.body);
  const response = await postWebhook(endpoint.url, headers, event.body, policy);
  const durationMs = Date.now() - startedAt.getTime();
  const succeeded = response.statusCode !== null && response.statusCode >= 200 && response.statusCode < 300;
  const error = succeeded
    ? null
    : (response.error ?? `The receiver answered ${response.statusCode}`).replaceAll("\u0000", "").slice(0, 500);
  const attempt = {
    deliveryId,
    startedAt,
    durationMs,
    statusCode: response.statusCode,
    // PostgreSQL text cannot hold NUL; a receiver's answer is shown, never trusted.
    responseExcerpt: response.excerpt?.replaceAll("\u0000", "") ?? null,
    error,
  };
  if (succeeded) {
    await db.$transaction([
      db.webhookAttempt.create({ data: attempt }),
      db.webhookDelivery.update({
        where: { id: deliveryId },
        data: { status: "SUCCEEDED", deliveredAt: new Date(), lastError: null, nextAttemptAt: null },
      }),
    ]);
    return { outcome: "delivered" };
  }
  const lastError = error ?? "failed";
  if (Date.now() - event.createdAt.getTime() >= WEBHOOK_GIVE_UP_AFTER_MS) {
    await db.$transaction([
      db.webhookAttempt.create({ data: attempt }),
      db.webhookDelivery.update({
        where: { id: deliveryId },
        data: { status: "FAILED", lastError, nextAttemptAt: null },
      }),
    ]);
    return { outcome: "gave-up", error: lastError };
  }
  const nextAttemptAt = await db.$transaction(async (tx) => {
    await tx.webhookAttempt.create({ data: attempt });
    const runAt = await retryLater(tx, DELIVER_WEBHOOK_TASK, { deliveryId }, webhookJobKey(deliveryId), attemptCount);
    await tx.webhookDelivery.update({
      where: { id: deliveryId },
      data: { status: "PENDING", lastError, nextAttemptAt: runAt },
    });
    return runAt;
  });
  return { outcome: "failed", error: lastError, nextAttemptAt };
}
