"use server";

import { serverAction } from "@/lib/actions";
import { createWebhookEndpoint, redeliverWebhook, updateWebhookEndpoint } from "@/lib/webhooks/endpoints";

export const createWebhookEndpointAction = serverAction(createWebhookEndpoint, {
  data: ({ secret }) => ({ secret }),
});
export const updateWebhookEndpointAction = serverAction(updateWebhookEndpoint, { message: "Endpoint saved." });
export const redeliverWebhookAction = serverAction(redeliverWebhook, { message: "Queued: it is sent again now." });
