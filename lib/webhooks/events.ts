import { randomUUID } from "node:crypto";
import { type SqlTx, sqlRows, type Tx } from "../db";
import { Prisma } from "../generated/prisma/client";
import { enqueueJob } from "../jobs/queue";

/** Every event an endpoint can subscribe to, with what it means (shown on the staff page). */
export const WEBHOOK_EVENTS = {
  "trunk.created": "A trunk was created (also by a demo account).",
  "trunk.updated": "A trunk's settings or status changed (enabled, disabled, deleted).",
  "trunk.synced": "The registrar now matches the trunk.",
  "trunk.sync_failed": "Syncing the trunk to the registrar failed (retried) or was refused (needs attention).",
  "trunk.registered": "A PBX registered with the trunk's credentials.",
  "trunk.unregistered": "The trunk's last registration ended.",
  "trunk.password_reset": "The trunk's SIP password was replaced (the event never carries it).",
  "customer.suspended": "A customer account was suspended.",
  "demo.expiring": "A demo account ends soon (sent with the customer's reminder email).",
  "demo.expired": "A demo account ended and its trunks were disabled.",
} as const;

export type WebhookEventType = keyof typeof WEBHOOK_EVENTS;
export const WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENTS) as [WebhookEventType, ...WebhookEventType[]];

export const DELIVER_WEBHOOK_TASK = "webhooks.deliver";
export const webhookJobKey = (deliveryId: string) => `webhook:${deliveryId}`;

/**
 * What events say about a trunk: identifiers and status, never a password or a hash. The sync state only where the
 * event is about it (a changed trunk's row is read before its sync is requested: its state would be stale).
 */
export function trunkEventData(
  trunk: { id: string; customerId: string; username: string; status: string },
  syncState?: "SYNCED" | "FAILED" | "NEEDS_ATTENTION",
) {
  return {
    trunk: {
      id: trunk.id,
      customerId: trunk.customerId,
      username: trunk.username,
      status: trunk.status,
      ...(syncState ? { syncState } : {}),
    },
  };
}

/** An event's `webhook-id` and the exact body every attempt sends. */
export function webhookEventRow(type: WebhookEventType, data: Record<string, unknown>) {
  return {
    id: `msg_${randomUUID().replaceAll("-", "")}`,
    body: JSON.stringify({ type, timestamp: new Date().toISOString(), data }),
  };
}

/**
 * Records an event in the caller's transaction and queues its delivery to every active endpoint subscribed to its
 * type: the event exists if and only if the change it reports was committed (the outbox). The body is fixed here,
 * so every attempt sends the same bytes under the same `webhook-id`.
 */
export async function emitWebhookEvent(tx: Tx, type: WebhookEventType, data: Record<string, unknown>) {
  const endpoints = await tx.webhookEndpoint.findMany({
    where: { active: true, events: { has: type } },
    select: { id: true },
    orderBy: { id: "asc" },
  });
  if (endpoints.length === 0) return null;
  const { id, body } = webhookEventRow(type, data);
  const event = await tx.webhookEvent.create({
    data: { id, type, body, deliveries: { create: endpoints.map((endpoint) => ({ endpointId: endpoint.id })) } },
    include: { deliveries: { select: { id: true } } },
  });
  for (const delivery of event.deliveries) {
    await enqueueJob(tx, DELIVER_WEBHOOK_TASK, { deliveryId: delivery.id }, { jobKey: webhookJobKey(delivery.id) });
  }
  return event;
}

/**
 * `emitWebhookEvent` for many events of one type at once (a batch of syncs): one statement records them all with
 * their deliveries and queues those, and records nothing when no active endpoint wants the type.
 */
export async function emitWebhookEvents(tx: Tx | SqlTx, type: WebhookEventType, items: Record<string, unknown>[]) {
  if (items.length === 0) return;
  const rows = items.map((data) => webhookEventRow(type, data));
  await sqlRows(
    tx,
    Prisma.sql`
    WITH
    hooks AS (SELECT id FROM "WebhookEndpoint" WHERE active AND ${type} = ANY(events)),
    events AS (
      INSERT INTO "WebhookEvent" (id, type, body)
      SELECT v.id, ${type}, v.body FROM json_to_recordset(${JSON.stringify(rows)}::json) AS v(id text, body text)
      WHERE EXISTS (SELECT 1 FROM hooks)
      RETURNING id),
    deliveries AS (
      INSERT INTO "WebhookDelivery" (id, "endpointId", "eventId")
      SELECT gen_random_uuid()::text, hooks.id, events.id FROM events CROSS JOIN hooks
      RETURNING id)
    SELECT count(*) FROM (SELECT 1 FROM deliveries LIMIT 1) delivered,
    LATERAL graphile_worker.add_jobs(ARRAY(
      SELECT (${DELIVER_WEBHOOK_TASK}, json_build_object('deliveryId', d.id), NULL, NULL, NULL,
              ${webhookJobKey("")} || d.id, NULL, NULL)::graphile_worker.job_spec
      FROM deliveries d))`,
    "emit-webhook-events",
  );
}
