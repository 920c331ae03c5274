import { z } from "zod";
import { recordAudit } from "../audit/log";
import { defineCommand } from "../commands";
import { seal } from "../credentials/encryption";
import { credentialKeyring } from "../credentials/keyring";
import type { Db } from "../db";
import { NotFoundError } from "../errors";
import { enqueueJob } from "../jobs/queue";
import { id, isId, optionalText } from "../validation";
import { sealContext } from "./deliver";
import { DELIVER_WEBHOOK_TASK, WEBHOOK_EVENT_TYPES, webhookJobKey } from "./events";
import { webhookNetworkPolicy, webhookUrl } from "./network";
import { generateWebhookSecret, isWebhookSecret } from "./signature";

const events = z
  .union([z.string(), z.array(z.string())], { error: "Choose at least one event." })
  .transform((value) => (Array.isArray(value) ? value : [value]))
  .pipe(
    z
      .array(z.enum(WEBHOOK_EVENT_TYPES, { error: "Choose events from the list." }))
      .min(1, "Choose at least one event.")
      .transform((chosen) => [...new Set(chosen)].sort()),
  );

const secret = z
  .string()
  .trim()
  .optional()
  .transform((value) => value || null)
  .refine((value) => value === null || isWebhookSecret(value), {
    message: "Use a Standard Webhooks secret (whsec_ and 24 to 64 bytes in base64), or leave it empty for a new one.",
  });

/** The endpoint's form: its URL is checked against the network policy in force (lib/webhooks/network). */
const endpointFields = () => ({
  url: webhookUrl(webhookNetworkPolicy()),
  description: optionalText(200).transform((value) => value ?? ""),
  events,
});

function sealSecret(endpointId: string, plaintext: string) {
  const sealed = seal(credentialKeyring(), plaintext, sealContext(endpointId));
  return { secretSealed: sealed.ciphertext, secretKeyId: sealed.keyId };
}

/** Registers an endpoint; its secret (given, or generated) is returned here once and stored sealed. */
export const createWebhookEndpoint = defineCommand({
  name: "webhook.create",
  permission: "webhooks:manage",
  input: z.lazy(() => z.object({ ...endpointFields(), secret })),
  async run(ctx, { url, description, events: chosen, secret: given }) {
    const plaintext = given ?? generateWebhookSecret();
    return ctx.db.$transaction(async (tx) => {
      const { id: endpointId } = await tx.webhookEndpoint.create({
        data: { url, description, events: chosen, secretSealed: "-", secretKeyId: "-" },
        select: { id: true },
      });
      const endpoint = await tx.webhookEndpoint.update({
        where: { id: endpointId },
        data: sealSecret(endpointId, plaintext),
      });
      await recordAudit(tx, ctx, {
        action: "webhook.create",
        targetType: "webhook-endpoint",
        targetId: endpointId,
        details: { url, description, events: chosen, secretGiven: given !== null },
      });
      return { endpoint, secret: plaintext };
    });
  },
});

/** Changes an endpoint's URL, description, events, and whether it is active; a new secret replaces the old one. */
export const updateWebhookEndpoint = defineCommand({
  name: "webhook.update",
  permission: "webhooks:manage",
  input: z.lazy(() =>
    z.object({
      endpointId: id,
      ...endpointFields(),
      active: z.enum(["true", "false"], { error: "Choose active or disabled." }).transform((value) => value === "true"),
      secret,
    }),
  ),
  async run(ctx, { endpointId, url, description, events: chosen, active, secret: newSecret }) {
    return ctx.db.$transaction(async (tx) => {
      const before = await tx.webhookEndpoint.findUnique({ where: { id: endpointId } });
      if (!before) throw new NotFoundError("Webhook endpoint");
      const endpoint = await tx.webhookEndpoint.update({
        where: { id: endpointId },
        data: { url, description, events: chosen, active, ...(newSecret ? sealSecret(endpointId, newSecret) : {}) },
      });
      await recordAudit(tx, ctx, {
        action: "webhook.update",
        targetType: "webhook-endpoint",
        targetId: endpointId,
        details: {
          url,
          description,
          events: chosen,
          active,
          secretReplaced: newSecret !== null,
          before: { url: before.url, events: before.events, active: before.active },
        },
      });
      return endpoint;
    });
  },
});

/** Sends an event to its endpoint again now, whatever became of earlier attempts (same `webhook-id`). */
export const redeliverWebhook = defineCommand({
  name: "webhook.redeliver",
  permission: "webhooks:manage",
  input: z.object({ deliveryId: id }),
  async run(ctx, { deliveryId }) {
    return ctx.db.$transaction(async (tx) => {
      const delivery = await tx.webhookDelivery.findUnique({ where: { id: deliveryId }, include: { event: true } });
      if (!delivery) throw new NotFoundError("Webhook delivery");
      const updated = await tx.webhookDelivery.update({
        where: { id: deliveryId },
        data: { status: "PENDING", nextAttemptAt: null },
      });
      await enqueueJob(tx, DELIVER_WEBHOOK_TASK, { deliveryId }, { jobKey: webhookJobKey(deliveryId) });
      await recordAudit(tx, ctx, {
        action: "webhook.redeliver",
        targetType: "webhook-endpoint",
        targetId: delivery.endpointId,
        details: { deliveryId, eventId: delivery.eventId, type: delivery.event.type, previousStatus: delivery.status },
      });
      return updated;
    });
  },
});

/** Every endpoint with how its recent deliveries went, for the staff page. */
export function listWebhookEndpoints(db: Db) {
  return db.webhookEndpoint.findMany({
    orderBy: [{ active: "desc" }, { createdAt: "asc" }],
    include: { _count: { select: { deliveries: { where: { status: { in: ["PENDING", "DELIVERING"] } } } } } },
  });
}

export const DELIVERIES_SHOWN = 50;

/** One endpoint and its latest deliveries, each with its attempts (newest first). */
export async function getWebhookEndpoint(db: Db, endpointId: string) {
  if (!isId(endpointId)) throw new NotFoundError("Webhook endpoint");
  const endpoint = await db.webhookEndpoint.findUnique({
    where: { id: endpointId },
    include: {
      deliveries: {
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: DELIVERIES_SHOWN,
        include: {
          event: { select: { id: true, type: true, createdAt: true } },
          attempts: { orderBy: { startedAt: "desc" } },
        },
      },
    },
  });
  if (!endpoint) throw new NotFoundError("Webhook endpoint");
  return endpoint;
}
