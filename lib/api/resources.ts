import { z } from "zod";
import type { AuditEntryRow } from "../audit/query";
import type {
  Customer,
  SipServer,
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEvent,
} from "../generated/prisma/client";
import { SyncState } from "../generated/prisma/enums";
import type { ImportProgress } from "../imports";
import type { RegistrationStatus } from "../registrar/status";
import type { TrunkWithServers } from "../trunks";
import { callerIdPolicy, dialPermission } from "../validation";

/**
 * What the API returns, as zod schemas: the OpenAPI document is generated from them, and each `…Json` function
 * builds exactly that shape. Nothing secret is in any of them: no password, ciphertext or digest.
 */
const timestamp = z.iso.datetime();
const iso = (date: Date) => date.toISOString();
const isoOrNull = (date: Date | null) => (date ? date.toISOString() : null);

export const customerSchema = z
  .object({
    id: z.string(),
    company: z.string(),
    contactName: z.string(),
    contactEmail: z.string(),
    status: z.enum(["ACTIVE", "SUSPENDED", "CLOSED"]),
    isDemo: z.boolean(),
    demoExpiresAt: timestamp.nullable().meta({ description: "When a demo ends; null for paying accounts." }),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: "Customer" });

export function customerJson(customer: Customer): z.infer<typeof customerSchema> {
  return {
    id: customer.id,
    company: customer.company,
    contactName: customer.contactName,
    contactEmail: customer.contactEmail,
    status: customer.status,
    isDemo: customer.isDemo,
    demoExpiresAt: isoOrNull(customer.demoExpiresAt),
    createdAt: iso(customer.createdAt),
    updatedAt: iso(customer.updatedAt),
  };
}

export const sipServerSchema = z
  .object({
    id: z.string(),
    hostname: z.string().meta({ description: "Exactly as the PBX must use it: it is case-sensitive." }),
    realm: z.string(),
    label: z.string(),
    active: z.boolean(),
  })
  .meta({ id: "SipServer" });

export function sipServerJson(server: SipServer): z.infer<typeof sipServerSchema> {
  return { id: server.id, hostname: server.hostname, realm: server.realm, label: server.label, active: server.active };
}

export const syncSchema = z
  .object({
    state: z.enum(SyncState),
    requestedAt: timestamp.nullable(),
    syncedAt: timestamp.nullable(),
    error: z.string().nullable(),
    attempts: z.number().int(),
    nextAttemptAt: timestamp.nullable().meta({ description: "When a failed sync is tried again." }),
  })
  .meta({ id: "SyncStatus", description: "Whether the SIP registrar reflects the trunk's latest change." });

export const trunkSchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    username: z.string().meta({ description: "The SIP username." }),
    status: z.enum(["ACTIVE", "DISABLED", "DELETED"]),
    statusReason: z.string().nullable(),
    callLimit: z.number().int(),
    dialPermission,
    allowedCountries: z.array(z.string()),
    callerIdPolicy,
    forcedCallerId: z.string().nullable(),
    forcedCallerIdName: z.string().nullable(),
    servers: z.array(sipServerSchema.pick({ id: true, hostname: true, realm: true })),
    dids: z.array(z.string()),
    sync: syncSchema,
    passwordChangedAt: timestamp,
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: "Trunk" });

export function syncJson(trunk: TrunkWithServers): z.infer<typeof syncSchema> {
  return {
    state: trunk.syncState,
    requestedAt: isoOrNull(trunk.syncRequestedAt),
    syncedAt: isoOrNull(trunk.syncedAt),
    error: trunk.syncError,
    attempts: trunk.syncAttempts,
    nextAttemptAt: isoOrNull(trunk.syncNextAttemptAt),
  };
}

export function trunkJson(trunk: TrunkWithServers): z.infer<typeof trunkSchema> {
  return {
    id: trunk.id,
    customerId: trunk.customerId,
    username: trunk.username,
    status: trunk.status,
    statusReason: trunk.statusReason,
    callLimit: trunk.callLimit,
    dialPermission: trunk.dialPermission,
    allowedCountries: trunk.allowedCountries,
    callerIdPolicy: trunk.callerIdPolicy,
    forcedCallerId: trunk.forcedCallerId,
    forcedCallerIdName: trunk.forcedCallerIdName,
    servers: trunk.servers.map(({ server }) => ({ id: server.id, hostname: server.hostname, realm: server.realm })),
    dids: trunk.dids.map((did) => did.number),
    sync: syncJson(trunk),
    passwordChangedAt: iso(trunk.passwordChangedAt),
    createdAt: iso(trunk.createdAt),
    updatedAt: iso(trunk.updatedAt),
  };
}

export const registrationsSchema = z
  .discriminatedUnion("state", [
    z.object({
      state: z.literal("ok"),
      registrations: z.array(
        z.object({
          contact: z.string(),
          source: z.string().nullable().meta({ description: "ip:port the PBX registered from." }),
          userAgent: z.string().nullable(),
          requestedHost: z.string().nullable(),
          expiresAt: timestamp,
          caseMismatch: z
            .object({ used: z.string(), expected: z.string() })
            .nullable()
            .meta({ description: "The PBX used a server name that differs only by case: calls will fail." }),
        }),
      ),
    }),
    z.object({ state: z.literal("unavailable"), error: z.string() }),
  ])
  .meta({ id: "Registrations", description: "The trunk's live registrations, read from the SIP registrar." });

export function registrationsJson(status: RegistrationStatus): z.infer<typeof registrationsSchema> {
  if (status.state === "unavailable") return status;
  return {
    state: "ok",
    registrations: status.registrations.map((registration) => ({
      contact: registration.contact,
      source: registration.source,
      userAgent: registration.userAgent,
      requestedHost: registration.requestedHost,
      expiresAt: iso(registration.expiresAt),
      caseMismatch: registration.caseMismatch,
    })),
  };
}

export const auditEntrySchema = z
  .object({
    id: z.string(),
    at: timestamp,
    action: z.string(),
    actor: z.object({ id: z.string().nullable(), email: z.string().nullable(), role: z.string().nullable() }),
    apiKeyId: z.string().nullable().meta({ description: "The API key the change was made with, if any." }),
    customerId: z.string().nullable(),
    targetType: z.string(),
    targetId: z.string().nullable(),
    ip: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: "AuditEntry" });

export function auditEntryJson(entry: AuditEntryRow): z.infer<typeof auditEntrySchema> {
  return {
    id: entry.id.toString(),
    at: iso(entry.at),
    action: entry.action,
    actor: { id: entry.actorId, email: entry.actorEmail, role: entry.actorRole },
    apiKeyId: entry.apiKeyId,
    customerId: entry.customerId,
    targetType: entry.targetType,
    targetId: entry.targetId,
    ip: entry.ip,
    details: (entry.details ?? {}) as Record<string, unknown>,
  };
}

export const passwordSchema = z
  .object({ password: z.string().meta({ description: "The SIP password. Shown once: keep it safe." }) })
  .meta({ id: "SipPassword" });

/** A page of a list: `nextCursor` is null on the last page. */
export const pageOf = <Item extends z.ZodType>(item: Item, id: string) =>
  z
    .object({
      data: z.array(item),
      nextCursor: z
        .string()
        .nullable()
        .meta({ description: "Pass as `cursor` to get the next page; null on the last page." }),
    })
    .meta({ id });

export const importSchema = z
  .object({
    id: z.string(),
    filename: z.string(),
    status: z.enum(["INVALID", "READY", "RUNNING", "COMPLETED", "CANCELLED"]).meta({
      description:
        "INVALID: the dry run found errors and nothing will be imported. READY: checked, not started (a dry run). RUNNING: importing. COMPLETED or CANCELLED: finished.",
    }),
    sendCredentials: z.boolean().meta({ description: "Whether each new trunk's credentials are emailed." }),
    totalRows: z.number().int(),
    rowsDone: z.number().int(),
    rows: z
      .object({
        pending: z.number().int(),
        created: z.number().int(),
        existing: z.number().int().meta({ description: "Rows whose customer and trunk existed: nothing created." }),
        failed: z.number().int(),
        skipped: z.number().int().meta({ description: "Rows not run because the import was cancelled." }),
      })
      .meta({ id: "ImportRowCounts" }),
    rowsPerSecond: z.number(),
    etaSeconds: z.number().int().nullable().meta({ description: "Time left at the rate so far; null while unknown." }),
    errors: z
      .array(z.object({ line: z.number().int(), column: z.string().nullable(), message: z.string() }))
      .meta({ description: "The dry run's errors by line (the header is line 1) and column; the first 1,000." }),
    errorCount: z.number().int(),
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
  })
  .meta({ id: "Import" });

export function importJson(progress: ImportProgress): z.infer<typeof importSchema> {
  const { import: found, counts } = progress;
  return {
    id: found.id,
    filename: found.filename,
    status: found.status,
    sendCredentials: found.sendCredentials,
    totalRows: found.totalRows,
    rowsDone: progress.done,
    rows: {
      pending: counts.PENDING,
      created: counts.CREATED,
      existing: counts.EXISTING,
      failed: counts.FAILED,
      skipped: counts.SKIPPED,
    },
    rowsPerSecond: Math.round(progress.rate * 10) / 10,
    etaSeconds: progress.etaSeconds,
    errors: progress.errors,
    errorCount: found.errorCount,
    createdAt: iso(found.createdAt),
    startedAt: isoOrNull(found.startedAt),
    finishedAt: isoOrNull(found.finishedAt),
  };
}

export const webhookEndpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string(),
    events: z.array(z.string()).meta({ description: "The event types it receives, e.g. trunk.created." }),
    active: z.boolean().meta({ description: "A disabled endpoint receives nothing; its waiting deliveries stop." }),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: "WebhookEndpoint", description: "Where events are POSTed. Its signing secret is never returned." });

export function webhookEndpointJson(endpoint: WebhookEndpoint): z.infer<typeof webhookEndpointSchema> {
  return {
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description,
    events: endpoint.events,
    active: endpoint.active,
    createdAt: iso(endpoint.createdAt),
    updatedAt: iso(endpoint.updatedAt),
  };
}

export const webhookEndpointCreatedSchema = z
  .object({
    endpoint: webhookEndpointSchema,
    secret: z.string().optional().meta({
      description:
        "The signing secret (whsec_…), the one given or a generated one. Shown in this response only: a replay with the same Idempotency-Key leaves it out.",
    }),
  })
  .meta({ id: "WebhookEndpointCreated" });

/** How many of a delivery's attempts the API lists (newest first); `attemptCount` counts them all. */
export const ATTEMPTS_SHOWN = 20;

export const webhookDeliverySchema = z
  .object({
    id: z.string(),
    endpointId: z.string(),
    event: z.object({
      id: z.string().meta({ description: "The event's webhook-id header: the same on every attempt." }),
      type: z.string(),
      createdAt: timestamp,
    }),
    status: z.enum(["PENDING", "DELIVERING", "SUCCEEDED", "FAILED"]).meta({
      description: "FAILED: the receiver did not accept it for three days. PENDING with nextAttemptAt: retried then.",
    }),
    attemptCount: z.number().int(),
    lastError: z.string().nullable(),
    nextAttemptAt: timestamp.nullable(),
    deliveredAt: timestamp.nullable(),
    createdAt: timestamp,
    attempts: z
      .array(
        z.object({
          startedAt: timestamp,
          durationMs: z.number().int().meta({ description: "How long the receiver took to answer (latency)." }),
          statusCode: z.number().int().nullable().meta({ description: "The receiver's HTTP status; null if none." }),
          responseExcerpt: z.string().nullable().meta({ description: "The start of the receiver's answer." }),
          error: z.string().nullable().meta({ description: "Why the attempt failed, e.g. a timeout." }),
        }),
      )
      .meta({ description: `The latest ${ATTEMPTS_SHOWN} attempts, newest first.` }),
  })
  .meta({ id: "WebhookDelivery", description: "One event on its way to one endpoint, with each HTTP attempt." });

export type WebhookDeliveryRow = WebhookDelivery & {
  event: Pick<WebhookEvent, "id" | "type" | "createdAt">;
  attempts: WebhookAttempt[];
};

export function webhookDeliveryJson(delivery: WebhookDeliveryRow): z.infer<typeof webhookDeliverySchema> {
  return {
    id: delivery.id,
    endpointId: delivery.endpointId,
    event: { id: delivery.event.id, type: delivery.event.type, createdAt: iso(delivery.event.createdAt) },
    status: delivery.status,
    attemptCount: delivery.attemptCount,
    lastError: delivery.lastError,
    nextAttemptAt: isoOrNull(delivery.nextAttemptAt),
    deliveredAt: isoOrNull(delivery.deliveredAt),
    createdAt: iso(delivery.createdAt),
    attempts: delivery.attempts.map((attempt) => ({
      startedAt: iso(attempt.startedAt),
      durationMs: attempt.durationMs,
      statusCode: attempt.statusCode,
      responseExcerpt: attempt.responseExcerpt,
      error: attempt.error,
    })),
  };
}
