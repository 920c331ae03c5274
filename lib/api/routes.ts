import { z } from "zod";
import { type Actor, can, type Permission } from "../auth/policy";
import { type Command, executeCommand, fieldErrorsOf, type RequestMeta } from "../commands";
import { createCustomer, createDemoAccount, getCustomer, setCustomerStatus, updateCustomer } from "../customers";
import { convertDemo, extendDemo } from "../customers/demo";
import type { Db } from "../db";
import { NotFoundError } from "../errors";
import { cancelImport, getImportProgress, startImport, uploadImport } from "../imports";
import { registrationStatus } from "../registrar/status";
import type { Registrar } from "../registrar/types";
import { listServers } from "../servers";
import {
  createTrunk,
  createTrunks,
  deleteTrunk,
  getTrunksWithServers,
  getTrunkWithServers,
  MAX_TRUNKS_PER_BATCH,
  requestResync,
  resendCredentials,
  resetTrunkPassword,
  revealTrunkPassword,
  setTrunkStatus,
  updateTrunk,
} from "../trunks";
import { trunkPolicy, trunkSettings } from "../trunks/schema";
import { optionalText } from "../validation";
import { createWebhookEndpoint, redeliverWebhook, updateWebhookEndpoint } from "../webhooks/endpoints";
import { WEBHOOK_EVENT_TYPES } from "../webhooks/events";
import type { ApiResult } from "./idempotency";
import type { ApiKeyRow } from "./keys";
import {
  auditListQuery,
  customerListQuery,
  listAuditPage,
  listCustomersPage,
  listTrunksPage,
  listWebhookDeliveriesPage,
  listWebhookEndpointsPage,
  trunkListQuery,
  webhookDeliveryListQuery,
  webhookEndpointListQuery,
} from "./lists";
import { ApiProblem, commandProblem } from "./problem";
import {
  auditEntryJson,
  auditEntrySchema,
  customerJson,
  customerSchema,
  importJson,
  importSchema,
  pageOf,
  passwordSchema,
  registrationsJson,
  registrationsSchema,
  sipServerJson,
  sipServerSchema,
  syncJson,
  syncSchema,
  trunkJson,
  trunkSchema,
  webhookDeliveryJson,
  webhookDeliverySchema,
  webhookEndpointCreatedSchema,
  webhookEndpointJson,
  webhookEndpointSchema,
} from "./resources";

/** Who is calling and with what: the key's owner as actor, the request's origin and the key for the audit log. */
export type ApiContext = {
  db: Db;
  actor: Actor;
  meta: RequestMeta;
  key: ApiKeyRow;
  registrar: () => Registrar;
};

export type RouteInput = {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
};

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/**
 * One API operation. Changes go through a command (`commandRoute`), which checks the permission, validates with the
 * forms' own schema and does the work, audit included; reads check their permission here (`readRoute`). The OpenAPI
 * document (./openapi) is generated from this table, so what is documented is what runs.
 */
export type ApiRoute = {
  method: HttpMethod;
  /** OpenAPI path template under /api/v1, e.g. "/trunks/{trunkId}/password:reveal". */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  permission: Permission;
  /** Changes something: read-only keys are refused. */
  writes: boolean;
  query?: z.ZodObject;
  body?: z.ZodType;
  success: { status: number; description: string; schema: z.ZodType };
  /** A POST that is safe to run again (a reveal): an Idempotency-Key never replays its response, it runs again. */
  rerunOnRetry?: boolean;
  handle(ctx: ApiContext, input: RouteInput): Promise<ApiResult>;
};

const NO_BODY = z.object({});

function commandRoute<Schema extends z.ZodType, Result>(
  spec: Omit<ApiRoute, "handle" | "permission" | "writes"> & {
    command: Command<Schema, Result>;
    /** The command's input from the request; by default the body with the path's ids. */
    input?: (input: RouteInput) => Record<string, unknown>;
    present: (ctx: ApiContext, value: Result, input: RouteInput) => unknown;
    /** What a replay (same Idempotency-Key) returns instead, when the response holds something shown only once. */
    replayBody?: (body: never) => unknown;
  },
): ApiRoute {
  const { command, input, present, replayBody, ...route } = spec;
  return {
    ...route,
    permission: command.permission,
    writes: true,
    async handle(ctx, request) {
      const value = await runCommand(ctx, command, input ? input(request) : { ...request.body, ...request.params });
      const body = await present(ctx, value, request);
      return { status: route.success.status, body, replayBody: replayBody?.(body as never) };
    },
  };
}

/** A read. A key whose role may not see it gets the same 404 as for something that does not exist. */
function readRoute(
  spec: Omit<ApiRoute, "handle" | "writes" | "method"> & {
    handle: (ctx: ApiContext, input: RouteInput) => Promise<unknown>;
  },
): ApiRoute {
  const { handle, ...route } = spec;
  return {
    ...route,
    method: "GET",
    writes: false,
    async handle(ctx, input) {
      if (!can(ctx.actor, route.permission)) throw new ApiProblem(404, "not-found", "Not found.");
      return { status: 200, body: await handle(ctx, input) };
    },
  };
}

const trunkOut = async (ctx: ApiContext, trunkId: string) => trunkJson(await getTrunkWithServers(ctx.db, trunkId));
const customerOut = async (ctx: ApiContext, customerId: string) => customerJson(await getCustomer(ctx.db, customerId));

function customerStatusRoute(verb: string, status: "ACTIVE" | "SUSPENDED" | "CLOSED", summary: string) {
  return commandRoute({
    method: "POST",
    path: `/customers/{customerId}:${verb}`,
    operationId: `${verb}Customer`,
    summary,
    description:
      "Every trunk of the account is synced to the registrar at once: a suspended or closed account cannot register or call.",
    tag: "Customers",
    body: NO_BODY,
    command: setCustomerStatus,
    input: ({ params }) => ({ customerId: params.customerId, status }),
    success: { status: 200, description: "The customer, as it is now.", schema: customerSchema },
    present: (_ctx, customer) => customerJson(customer),
  });
}

function trunkStatusRoute(verb: "enable" | "disable", status: "ACTIVE" | "DISABLED") {
  return commandRoute({
    method: "POST",
    path: `/trunks/{trunkId}:${verb}`,
    operationId: `${verb}Trunk`,
    summary: verb === "disable" ? "Disable a trunk" : "Enable a trunk",
    description: "The registrar is synced at once and the customer is emailed, as from the trunk's page.",
    tag: "Trunks",
    body: z.object({ reason: optionalText(500) }),
    command: setTrunkStatus,
    input: ({ params, body }) => ({ reason: body.reason, trunkId: params.trunkId, status }),
    success: { status: 200, description: "The trunk, as it is now.", schema: trunkSchema },
    present: (ctx, trunk) => trunkOut(ctx, trunk.id),
  });
}

const reset = z.object({
  returnPassword: z
    .boolean()
    .optional()
    .meta({ description: "Return the new password in this response (audited as a reveal). Never in a replay." }),
});

const importRequest = z.object({
  csv: z.string().meta({
    description:
      "The CSV file's text, with the template's header line (download it from the staff Imports page). One row per customer and trunk; rows are identified by customer_external_id and trunk_external_id, so sending the same file again creates nothing twice.",
  }),
  filename: z.string().max(200).optional(),
  sendCredentials: z
    .boolean()
    .default(false)
    .meta({ description: "Email each new trunk's credentials to its customer, as the provider's settings say." }),
  dryRun: z.boolean().default(false).meta({ description: "Only check the file: the import stays READY, unstarted." }),
});

const importOut = async (ctx: ApiContext, importId: string) => importJson(await getImportProgress(ctx.db, importId));

/** The command's outcome, or its failure as the problem the API answers with. */
async function runCommand<Schema extends z.ZodType, Result>(
  ctx: ApiContext,
  command: Command<Schema, Result>,
  input: unknown,
): Promise<Result> {
  const result = await executeCommand(command, { db: ctx.db, actor: ctx.actor, meta: ctx.meta }, input);
  if (!result.ok) throw commandProblem(result);
  return result.value;
}

const IMPORT_ROUTES: ApiRoute[] = [
  {
    method: "POST",
    path: "/imports",
    operationId: "createImport",
    summary: "Import customers and trunks from CSV",
    description:
      "Checks every row as the forms do (the dry run), then, unless `dryRun` or the file has errors (status INVALID, with `errors` by line and column), starts the import as a background job. Poll GET /imports/{importId} for its progress. Bodies are limited to 1 MB here; larger files go through the staff Imports page (5 MB).",
    tag: "Imports",
    permission: uploadImport.permission,
    writes: true,
    body: importRequest,
    success: { status: 201, description: "The import, checked and possibly started.", schema: importSchema },
    async handle(ctx, { body }) {
      const parsed = importRequest.safeParse(body);
      if (!parsed.success) {
        throw new ApiProblem(
          422,
          "invalid-input",
          "Please correct the highlighted fields.",
          fieldErrorsOf(parsed.error),
        );
      }
      const { csv, filename, sendCredentials, dryRun } = parsed.data;
      const uploaded = await runCommand(ctx, uploadImport, { csv, filename });
      if (!dryRun && uploaded.status === "READY") {
        await runCommand(ctx, startImport, { importId: uploaded.id, sendCredentials });
      }
      return { status: 201, body: await importOut(ctx, uploaded.id) };
    },
  },
  readRoute({
    path: "/imports/{importId}",
    operationId: "getImport",
    summary: "Get an import and its progress",
    tag: "Imports",
    permission: "imports:run",
    success: { status: 200, description: "The import: rows done of total, rate and time left.", schema: importSchema },
    handle: (ctx, { params }) => importOut(ctx, params.importId ?? ""),
  }),
  commandRoute({
    method: "POST",
    path: "/imports/{importId}:cancel",
    operationId: "cancelImport",
    summary: "Cancel an import",
    description: "Rows already imported stay; the job stops between two rows and skips the rest.",
    tag: "Imports",
    body: NO_BODY,
    command: cancelImport,
    input: ({ params }) => ({ importId: params.importId }),
    success: { status: 200, description: "The import, as it is now.", schema: importSchema },
    present: (ctx, cancelled) => importOut(ctx, cancelled.id),
  }),
];

async function findWebhookEndpoint(ctx: ApiContext, endpointId: string) {
  const endpoint = await ctx.db.webhookEndpoint.findUnique({ where: { id: endpointId } });
  if (!endpoint) throw new NotFoundError("Webhook endpoint");
  return endpoint;
}

async function webhookDeliveryOut(ctx: ApiContext, endpointId: string, deliveryId: string) {
  const page = await listWebhookDeliveriesPage(ctx.db, endpointId, { limit: 1 }, deliveryId);
  const delivery = page.rows[0];
  if (!delivery) throw new NotFoundError("Webhook delivery");
  return webhookDeliveryJson(delivery);
}

/**
 * The endpoint form's fields for the API: the same schema the staff page's edit form is checked with, `active` as a
 * JSON boolean rather than the form's "true"/"false". The command checks the body; this documents it.
 */
const webhookEndpointUpdate = z.lazy(() =>
  updateWebhookEndpoint.input
    .unwrap()
    .omit({ endpointId: true })
    .extend({ active: z.boolean().meta({ description: "false disables the endpoint: it receives nothing." }) }),
);
const formActive = (active: unknown) => (typeof active === "boolean" ? String(active) : active);

/** Disabling or enabling an endpoint is the edit form saved with its current fields and another state. */
function webhookStateRoute(verb: "enable" | "disable", active: boolean): ApiRoute {
  return {
    method: "POST",
    path: `/webhook-endpoints/{endpointId}:${verb}`,
    operationId: `${verb}WebhookEndpoint`,
    summary: verb === "disable" ? "Disable a webhook endpoint" : "Enable a webhook endpoint",
    description:
      verb === "disable"
        ? "It receives nothing from now on and its waiting deliveries stop; its deliveries stay listed. Enable it to receive events again."
        : "It receives the events it subscribes to again, from now on.",
    tag: "Webhooks",
    permission: updateWebhookEndpoint.permission,
    writes: true,
    body: NO_BODY,
    success: { status: 200, description: "The endpoint, as it is now.", schema: webhookEndpointSchema },
    async handle(ctx, { params }) {
      // Only a key that may change endpoints learns whether this one exists; others are refused by the command.
      const current = can(ctx.actor, updateWebhookEndpoint.permission)
        ? await findWebhookEndpoint(ctx, params.endpointId ?? "")
        : null;
      const endpoint = await runCommand(ctx, updateWebhookEndpoint, {
        endpointId: params.endpointId,
        url: current?.url,
        description: current?.description,
        events: current?.events,
        active: String(active),
      });
      return { status: 200, body: webhookEndpointJson(endpoint) };
    },
  };
}

const WEBHOOK_ROUTES: ApiRoute[] = [
  readRoute({
    path: "/webhook-endpoints",
    operationId: "listWebhookEndpoints",
    summary: "List webhook endpoints",
    tag: "Webhooks",
    permission: "webhooks:manage",
    query: webhookEndpointListQuery,
    success: {
      status: 200,
      description: "A page of endpoints, oldest first.",
      schema: pageOf(webhookEndpointSchema, "WebhookEndpointPage"),
    },
    async handle(ctx, { query }) {
      const page = await listWebhookEndpointsPage(ctx.db, webhookEndpointListQuery.parse(query));
      return { data: page.rows.map(webhookEndpointJson), nextCursor: page.nextCursor };
    },
  }),
  commandRoute({
    method: "POST",
    path: "/webhook-endpoints",
    operationId: "createWebhookEndpoint",
    summary: "Register a webhook endpoint",
    description: `Events of the chosen types (${WEBHOOK_EVENT_TYPES.join(", ")}) are POSTed to the URL as JSON, signed the Standard Webhooks way with the endpoint's secret (give one, or leave it out for a generated one) and retried for three days until the receiver answers 2xx. The URL must be https.`,
    tag: "Webhooks",
    body: createWebhookEndpoint.input,
    command: createWebhookEndpoint,
    success: {
      status: 201,
      description: "The new endpoint and its signing secret, shown this once.",
      schema: webhookEndpointCreatedSchema,
    },
    present: (_ctx, { endpoint, secret }) => ({ endpoint: webhookEndpointJson(endpoint), secret }),
    replayBody: ({ secret: _shownOnce, ...rest }: { secret?: string }) => rest,
  }),
  readRoute({
    path: "/webhook-endpoints/{endpointId}",
    operationId: "getWebhookEndpoint",
    summary: "Get a webhook endpoint",
    tag: "Webhooks",
    permission: "webhooks:manage",
    success: { status: 200, description: "The endpoint.", schema: webhookEndpointSchema },
    handle: async (ctx, { params }) => webhookEndpointJson(await findWebhookEndpoint(ctx, params.endpointId ?? "")),
  }),
  commandRoute({
    method: "PUT",
    path: "/webhook-endpoints/{endpointId}",
    operationId: "updateWebhookEndpoint",
    summary: "Update a webhook endpoint",
    description:
      "Replaces its URL, description, events and state, as the edit form does: send every field. A `secret` replaces the signing secret; without one the secret stays.",
    tag: "Webhooks",
    body: webhookEndpointUpdate,
    command: updateWebhookEndpoint,
    input: ({ params, body }) => ({ ...body, endpointId: params.endpointId, active: formActive(body.active) }),
    success: { status: 200, description: "The endpoint, as it is now.", schema: webhookEndpointSchema },
    present: (_ctx, endpoint) => webhookEndpointJson(endpoint),
  }),
  webhookStateRoute("disable", false),
  webhookStateRoute("enable", true),
  readRoute({
    path: "/webhook-endpoints/{endpointId}/deliveries",
    operationId: "listWebhookDeliveries",
    summary: "List an endpoint's deliveries and their attempts",
    description:
      "Each event sent (or to be sent) to the endpoint, with every HTTP attempt: status code, latency and the start of the receiver's answer.",
    tag: "Webhooks",
    permission: "webhooks:manage",
    query: webhookDeliveryListQuery,
    success: {
      status: 200,
      description: "A page of deliveries, newest first.",
      schema: pageOf(webhookDeliverySchema, "WebhookDeliveryPage"),
    },
    async handle(ctx, { params, query }) {
      const endpoint = await findWebhookEndpoint(ctx, params.endpointId ?? "");
      const page = await listWebhookDeliveriesPage(ctx.db, endpoint.id, webhookDeliveryListQuery.parse(query));
      return { data: page.rows.map(webhookDeliveryJson), nextCursor: page.nextCursor };
    },
  }),
  {
    method: "POST",
    path: "/webhook-endpoints/{endpointId}/deliveries/{deliveryId}:redeliver",
    operationId: "redeliverWebhook",
    summary: "Redeliver an event",
    description:
      "Sends the event to the endpoint again now, with the same webhook-id and body, whatever became of earlier attempts.",
    tag: "Webhooks",
    permission: redeliverWebhook.permission,
    writes: true,
    body: NO_BODY,
    success: { status: 202, description: "The delivery, queued.", schema: webhookDeliverySchema },
    async handle(ctx, { params }) {
      const endpointId = params.endpointId ?? "";
      const deliveryId = params.deliveryId ?? "";
      // A delivery of another endpoint is not found here; only a key that may redeliver gets to know.
      if (can(ctx.actor, redeliverWebhook.permission)) await webhookDeliveryOut(ctx, endpointId, deliveryId);
      await runCommand(ctx, redeliverWebhook, { deliveryId });
      return { status: 202, body: await webhookDeliveryOut(ctx, endpointId, deliveryId) };
    },
  },
];

export const API_ROUTES: ApiRoute[] = [
  readRoute({
    path: "/customers",
    operationId: "listCustomers",
    summary: "List customers",
    tag: "Customers",
    permission: "customers:view",
    query: customerListQuery,
    success: {
      status: 200,
      description: "A page of customers, oldest first.",
      schema: pageOf(customerSchema, "CustomerPage"),
    },
    async handle(ctx, { query }) {
      const page = await listCustomersPage(ctx.db, customerListQuery.parse(query));
      return { data: page.rows.map(customerJson), nextCursor: page.nextCursor };
    },
  }),
  commandRoute({
    method: "POST",
    path: "/customers",
    operationId: "createCustomer",
    summary: "Create a customer",
    description: "Creates the account and its contact's sign-in user for the customer portal.",
    tag: "Customers",
    body: createCustomer.input,
    command: createCustomer,
    success: { status: 201, description: "The new customer.", schema: customerSchema },
    present: (_ctx, customer) => customerJson(customer),
  }),
  readRoute({
    path: "/customers/{customerId}",
    operationId: "getCustomer",
    summary: "Get a customer",
    tag: "Customers",
    permission: "customers:view",
    success: { status: 200, description: "The customer.", schema: customerSchema },
    handle: (ctx, { params }) => customerOut(ctx, params.customerId ?? ""),
  }),
  commandRoute({
    method: "PUT",
    path: "/customers/{customerId}",
    operationId: "updateCustomer",
    summary: "Update a customer",
    description: "Replaces the account's details and status, as the edit form does: send every field.",
    tag: "Customers",
    body: updateCustomer.input.omit({ customerId: true }),
    command: updateCustomer,
    success: { status: 200, description: "The customer, as it is now.", schema: customerSchema },
    present: (_ctx, customer) => customerJson(customer),
  }),
  customerStatusRoute("suspend", "SUSPENDED", "Suspend a customer"),
  customerStatusRoute("reactivate", "ACTIVE", "Re-activate a customer"),
  customerStatusRoute("close", "CLOSED", "Close a customer's account"),
  commandRoute({
    method: "POST",
    path: "/demo-accounts",
    operationId: "createDemoAccount",
    summary: "Create a demo account",
    description:
      "One step: the customer, their sign-in user and a trunk with the provider's demo settings (call limit, dial permission, forced caller ID), ending after the demo length in the provider's settings. The customer is emailed their credentials.",
    tag: "Demo accounts",
    body: createDemoAccount.input,
    command: createDemoAccount,
    success: {
      status: 201,
      description: "The demo's customer and trunk.",
      schema: z.object({ customer: customerSchema, trunk: trunkSchema }).meta({ id: "DemoAccount" }),
    },
    present: async (ctx, { customer, trunk }) => ({
      customer: customerJson(customer),
      trunk: await trunkOut(ctx, trunk.id),
    }),
  }),
  commandRoute({
    method: "POST",
    path: "/customers/{customerId}/demo:extend",
    operationId: "extendDemo",
    summary: "Extend a demo",
    description:
      "A new end date (YYYY-MM-DD, later than the current end; the demo runs to the end of that day, UTC). Trunks the expiry disabled are enabled again and every trunk is synced.",
    tag: "Demo accounts",
    body: extendDemo.input.omit({ customerId: true }),
    command: extendDemo,
    success: { status: 200, description: "The customer, as it is now.", schema: customerSchema },
    present: (_ctx, customer) => customerJson(customer),
  }),
  commandRoute({
    method: "POST",
    path: "/customers/{customerId}/demo:convert",
    operationId: "convertDemo",
    summary: "Convert a demo into a paying account",
    description: "Every trunk of the account gets this calling policy; the account stops being a demo.",
    tag: "Demo accounts",
    body: trunkPolicy,
    command: convertDemo,
    success: { status: 200, description: "The customer, as it is now.", schema: customerSchema },
    present: (_ctx, customer) => customerJson(customer),
  }),
  readRoute({
    path: "/trunks",
    operationId: "listTrunks",
    summary: "List trunks",
    tag: "Trunks",
    permission: "trunks:view",
    query: trunkListQuery,
    success: { status: 200, description: "A page of trunks, oldest first.", schema: pageOf(trunkSchema, "TrunkPage") },
    async handle(ctx, { query }) {
      const page = await listTrunksPage(ctx.db, trunkListQuery.parse(query));
      return { data: page.rows.map(trunkJson), nextCursor: page.nextCursor };
    },
  }),
  commandRoute({
    method: "POST",
    path: "/trunks",
    operationId: "createTrunk",
    summary: "Create a trunk",
    description:
      "Generates the SIP username and password, queues the registrar sync (the trunk can register within seconds) and emails the customer their credentials. The password is not in the response: reveal it with password:reveal.",
    tag: "Trunks",
    body: createTrunk.input,
    command: createTrunk,
    success: { status: 201, description: "The new trunk.", schema: trunkSchema },
    present: (ctx, trunk) => trunkOut(ctx, trunk.id),
  }),
  commandRoute({
    method: "POST",
    path: "/trunks:batchCreate",
    operationId: "createTrunks",
    summary: "Create many trunks for one customer",
    description: `A bulk order: \`count\` trunks (at most ${MAX_TRUNKS_PER_BATCH}) with the same settings, all or none. Each gets its own SIP username and password, registrar sync, credentials email, audit entry and trunk.created event, exactly as if created one by one. DIDs can be given only when count is 1.`,
    tag: "Trunks",
    body: createTrunks.input,
    command: createTrunks,
    success: {
      status: 201,
      description: "The new trunks, in the order they were created.",
      schema: z.object({ data: z.array(trunkSchema) }).meta({ id: "TrunkBatch" }),
    },
    present: async (ctx, trunks) => ({
      data: (
        await getTrunksWithServers(
          ctx.db,
          trunks.map((trunk) => trunk.id),
        )
      ).map(trunkJson),
    }),
  }),
  readRoute({
    path: "/trunks/{trunkId}",
    operationId: "getTrunk",
    summary: "Get a trunk",
    tag: "Trunks",
    permission: "trunks:view",
    success: { status: 200, description: "The trunk.", schema: trunkSchema },
    handle: (ctx, { params }) => trunkOut(ctx, params.trunkId ?? ""),
  }),
  commandRoute({
    method: "PUT",
    path: "/trunks/{trunkId}",
    operationId: "updateTrunk",
    summary: "Update a trunk's settings",
    description: "Replaces the trunk's servers, call limit, dial permission, caller ID and DIDs: send every field.",
    tag: "Trunks",
    body: trunkSettings,
    command: updateTrunk,
    success: { status: 200, description: "The trunk, as it is now.", schema: trunkSchema },
    present: (ctx, trunk) => trunkOut(ctx, trunk.id),
  }),
  commandRoute({
    method: "DELETE",
    path: "/trunks/{trunkId}",
    operationId: "deleteTrunk",
    summary: "Delete a trunk",
    description: "The trunk is removed from the registrar; its username is kept and never issued again.",
    tag: "Trunks",
    query: z.object({ reason: z.string().max(500).optional() }),
    command: deleteTrunk,
    input: ({ params, query }) => ({ trunkId: params.trunkId, reason: query.reason }),
    success: { status: 200, description: "The deleted trunk.", schema: trunkSchema },
    present: (ctx, trunk) => trunkOut(ctx, trunk.id),
  }),
  trunkStatusRoute("disable", "DISABLED"),
  trunkStatusRoute("enable", "ACTIVE"),
  commandRoute({
    method: "POST",
    path: "/trunks/{trunkId}/password:reset",
    operationId: "resetTrunkPassword",
    summary: "Reset a trunk's SIP password",
    description:
      "The old password stops working at once and the customer is emailed. With returnPassword the new one is in this response (audited as a reveal); a replay of the request (Idempotency-Key) never repeats it.",
    tag: "Trunks",
    body: reset,
    command: resetTrunkPassword,
    success: {
      status: 200,
      description: "The trunk, and the new password when asked for.",
      schema: z.object({ trunk: trunkSchema, password: z.string().optional() }).meta({ id: "PasswordReset" }),
    },
    async present(ctx, trunk, { body }) {
      const out = { trunk: await trunkOut(ctx, trunk.id) };
      if (body.returnPassword !== true) return out;
      const revealed = await executeCommand(revealTrunkPassword, ctx, { trunkId: trunk.id });
      // The reset happened; a key that may reset but not reveal just does not get the password.
      return revealed.ok ? { ...out, password: revealed.value.password } : out;
    },
    replayBody: ({ password: _shownOnce, ...rest }: { password?: string }) => rest,
  }),
  commandRoute({
    method: "POST",
    path: "/trunks/{trunkId}/password:reveal",
    operationId: "revealTrunkPassword",
    summary: "Reveal a trunk's SIP password",
    description:
      "Audited, like a reveal on the trunk's page. The only way the API returns a password. Retries with the same Idempotency-Key reveal it again (each reveal is audited) rather than storing it.",
    tag: "Trunks",
    body: NO_BODY,
    rerunOnRetry: true,
    command: revealTrunkPassword,
    success: { status: 200, description: "The SIP password.", schema: passwordSchema },
    present: (_ctx, { password }) => ({ password }),
  }),
  commandRoute({
    method: "POST",
    path: "/trunks/{trunkId}/credentials:resend",
    operationId: "resendCredentials",
    summary: "Email a trunk's credentials again",
    description: "With a new one-time password link (older links stop working), or inline per the provider's setting.",
    tag: "Trunks",
    body: NO_BODY,
    command: resendCredentials,
    success: {
      status: 202,
      description: "The email is queued.",
      schema: z.object({ queuedTo: z.string() }).meta({ id: "CredentialsQueued" }),
    },
    present: (_ctx, mail) => ({ queuedTo: mail.to }),
  }),
  readRoute({
    path: "/trunks/{trunkId}/sync",
    operationId: "getTrunkSync",
    summary: "Get a trunk's registrar sync status",
    tag: "Trunks",
    permission: "trunks:view",
    success: { status: 200, description: "The sync status.", schema: syncSchema },
    handle: async (ctx, { params }) => syncJson(await getTrunkWithServers(ctx.db, params.trunkId ?? "")),
  }),
  commandRoute({
    method: "POST",
    path: "/trunks/{trunkId}/sync",
    operationId: "resyncTrunk",
    summary: "Sync a trunk to the registrar again",
    tag: "Trunks",
    body: NO_BODY,
    command: requestResync,
    success: { status: 202, description: "The sync is queued.", schema: syncSchema },
    present: async (ctx, _value, { params }) => syncJson(await getTrunkWithServers(ctx.db, params.trunkId ?? "")),
  }),
  readRoute({
    path: "/trunks/{trunkId}/registrations",
    operationId: "getTrunkRegistrations",
    summary: "Get a trunk's live registrations",
    description: "Read from the SIP registrar: where the PBX registered from, until when, and with which server name.",
    tag: "Trunks",
    permission: "trunks:view",
    success: { status: 200, description: "The live registrations.", schema: registrationsSchema },
    async handle(ctx, { params }) {
      const trunk = await getTrunkWithServers(ctx.db, params.trunkId ?? "");
      const hostnames = trunk.servers.map(({ server }) => server.hostname);
      let registrar: Registrar;
      try {
        registrar = ctx.registrar();
      } catch (error) {
        // No registrar configured for this web server: say so, as when it does not answer.
        return { state: "unavailable", error: error instanceof Error ? error.message : String(error) };
      }
      return registrationsJson(await registrationStatus(registrar, trunk.username, hostnames));
    },
  }),
  readRoute({
    path: "/sip-servers",
    operationId: "listSipServers",
    summary: "List SIP servers",
    description: "The servers trunks can use; give their ids as serverIds when creating a trunk.",
    tag: "SIP servers",
    permission: "trunks:view",
    query: z.object({
      active: z.enum(["true", "false"]).optional().meta({ description: "Only active (or inactive) servers." }),
    }),
    success: { status: 200, description: "Every SIP server.", schema: pageOf(sipServerSchema, "SipServerList") },
    async handle(ctx, { query }) {
      const servers = await listServers(ctx.db);
      const wanted = query.active === undefined ? servers : servers.filter((s) => String(s.active) === query.active);
      return { data: wanted.map(sipServerJson), nextCursor: null };
    },
  }),
  readRoute({
    path: "/audit",
    operationId: "listAudit",
    summary: "List audit log entries",
    tag: "Audit",
    permission: "audit:view",
    query: auditListQuery,
    success: {
      status: 200,
      description: "A page of entries, newest first.",
      schema: pageOf(auditEntrySchema, "AuditPage"),
    },
    async handle(ctx, { query }) {
      const page = await listAuditPage(ctx.db, auditListQuery.parse(query));
      return { data: page.rows.map(auditEntryJson), nextCursor: page.nextCursor };
    },
  }),
  ...IMPORT_ROUTES,
  ...WEBHOOK_ROUTES,
];

/** Path parameters of a route's template, in order. */
export const pathParameters = (path: string) => [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);
