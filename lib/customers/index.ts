import { z } from "zod";
import { auditRow, recordAudit } from "../audit/log";
import { type AuthorizedContext, defineCommand } from "../commands";
import { type Db, type SqlTx, sqlRows, type Tx, transaction } from "../db";
import { ConflictError, NotFoundError } from "../errors";
import { Prisma } from "../generated/prisma/client";
import { newId } from "../ids";
import { createdAtCursor, finishPage, keysetSql, type PageRequest, readPage } from "../keyset";
import { getProviderSettings } from "../settings";
import { insertTrunk, requestCustomerTrunksSync, withFreshUsername } from "../trunks/provision";
import { trunkSettings } from "../trunks/schema";
import { emitWebhookEvent } from "../webhooks/events";

export {
  CUSTOMERS_PER_PAGE,
  customerSearchWhere,
  DEMO_ENDING_SOON_DAYS,
  DEMO_FILTERS,
  type DemoFilter,
  demoWhere,
  interpretQuery,
  listCustomers,
} from "./search";

import { email, id, isId, requiredText } from "../validation";

const customerFields = {
  company: requiredText("the company name", 120),
  contactName: requiredText("the contact's name", 120),
  contactEmail: email,
};
/** A new customer as the form (and each row of a CSV import) gives it. */
export const customerInput = z.object(customerFields);

/**
 * Locks the customer's row until the transaction ends, then reads it. Changes to a customer's status or demo run one
 * after another this way, and always before any of its trunks are locked (so they cannot deadlock trunk changes).
 */
export async function lockCustomer(tx: Tx, customerId: string) {
  await tx.$queryRaw`SELECT 1 FROM "Customer" WHERE "id" = ${customerId} FOR NO KEY UPDATE`;
  const customer = await tx.customer.findUnique({ where: { id: customerId } });
  if (!customer) throw new NotFoundError("Customer");
  return customer;
}

/** A customer and their sign-in users; their trunks, which can be thousands, are paged by `listCustomerTrunks`. */
export async function getCustomer(db: Db, customerId: string) {
  if (!isId(customerId)) throw new NotFoundError("Customer");
  const customer = await db.customer.findUnique({
    where: { id: customerId },
    include: { users: { orderBy: { createdAt: "asc" } } },
  });
  if (!customer) throw new NotFoundError("Customer");
  return customer;
}

export const TRUNKS_PER_PAGE = 50;
/** A trunk row lists this many DIDs, then "and N more" (the trunk page has them all). */
export const DIDS_LISTED_PER_TRUNK = 10;

/** One page of a customer's trunks in creation order (deleted ones too, marked), with their servers and first DIDs. */
export async function listCustomerTrunks(db: Db, customerId: string, page: PageRequest = {}) {
  const read = readPage(page);
  const { where, order } = keysetSql(Prisma.sql`"createdAt"`, Prisma.sql`id`, read.from, read.direction === "previous");
  const [ids, total] = await Promise.all([
    db.$queryRaw<{ id: string; createdAt: Date }[]>`
      SELECT id, "createdAt" FROM "Trunk" WHERE "customerId" = ${customerId} AND ${where}
      ORDER BY "createdAt" ${order}, id ${order} LIMIT ${TRUNKS_PER_PAGE + 1}`,
    db.trunk.count({ where: { customerId } }),
  ]);
  const { rows, next, previous } = finishPage(ids, TRUNKS_PER_PAGE, read, createdAtCursor);
  const trunkIds = rows.map((row) => row.id);
  // The DID counts by their own query: Prisma's relation _count groups the whole Did table (seconds at a million).
  const [found, didCounts] = await Promise.all([
    db.trunk.findMany({
      where: { id: { in: trunkIds } },
      include: {
        servers: { include: { server: { select: { hostname: true } } } },
        dids: { orderBy: { number: "asc" }, take: DIDS_LISTED_PER_TRUNK, select: { number: true } },
      },
    }),
    db.$queryRaw<{ trunkId: string; n: number }[]>`
      SELECT "trunkId", count(*)::int AS n FROM "Did" WHERE "trunkId" = ANY(${trunkIds}::text[]) GROUP BY "trunkId"`,
  ]);
  const didsOf = new Map(didCounts.map((row) => [row.trunkId, row.n]));
  const byId = new Map(found.map((trunk) => [trunk.id, { ...trunk, _count: { dids: didsOf.get(trunk.id) ?? 0 } }]));
  return { trunks: rows.flatMap((row) => byId.get(row.id) ?? []), total, next, previous };
}

/** Creates the customer's sign-in user; the email must not belong to anyone else. */
export async function insertCustomerUser(
  tx: Tx,
  customerId: string,
  name: string,
  userEmail: string,
  field = "contactEmail",
) {
  const existing = await tx.user.findUnique({ where: { email: userEmail } });
  if (existing) throw new ConflictError("A user with this email already exists.", field);
  return tx.user.create({ data: { email: userEmail, name, role: "CUSTOMER", customerId } });
}

export const createCustomer = defineCommand({
  name: "customer.create",
  permission: "customers:create",
  input: customerInput,
  async run(ctx, input) {
    return ctx.db.$transaction((tx) => insertCustomer(tx, ctx, input));
  },
});

/**
 * Suspending or closing takes every trunk off the registrar now, not at the next reconciliation (re-activating puts
 * them back); a suspension is announced to webhooks.
 */
async function afterStatusChange(
  tx: Tx,
  before: { status: string },
  customer: { id: string; company: string; status: string },
) {
  if (before.status === customer.status) return;
  await requestCustomerTrunksSync(tx, customer.id);
  if (customer.status === "SUSPENDED") {
    await emitWebhookEvent(tx, "customer.suspended", {
      customer: { id: customer.id, company: customer.company, status: customer.status, previousStatus: before.status },
    });
  }
}

/** A new customer with their sign-in user, in the caller's transaction (the form, or one row of a CSV import). */
export async function insertCustomer(
  tx: Tx,
  ctx: AuthorizedContext,
  input: z.output<typeof customerInput>,
  imported?: { externalId: string; importId: string },
) {
  const customer = await tx.customer.create({
    data: { ...input, createdById: ctx.actor.id, externalId: imported?.externalId },
  });
  await insertCustomerUser(tx, customer.id, input.contactName, input.contactEmail);
  await recordAudit(tx, ctx, {
    action: "customer.create",
    targetType: "customer",
    targetId: customer.id,
    customerId: customer.id,
    details: { company: input.company, contactEmail: input.contactEmail, ...imported },
  });
  return customer;
}

/** A customer a CSV import's chunk creates: its id chosen beforehand, so the chunk's trunks can refer to it. */
export type ImportedCustomer = {
  id: string;
  input: z.output<typeof customerInput>;
  imported: { externalId: string; importId: string };
};

/**
 * `insertCustomer` for many customers at once, each with their sign-in user and audit entry: one statement, in the
 * caller's transaction. An email that already has a user fails the statement (the unique index), as one that
 * another transaction takes at the same moment would.
 */
export async function insertCustomers(tx: Tx | SqlTx, ctx: AuthorizedContext, customers: ImportedCustomer[]) {
  const rows = customers.map(({ id, input, imported }) => ({
    id,
    ...input,
    externalId: imported.externalId,
    userId: newId(),
    audit: auditRow(ctx, {
      action: "customer.create",
      targetType: "customer",
      targetId: id,
      customerId: id,
      details: { company: input.company, contactEmail: input.contactEmail, ...imported },
    }),
  }));
  await sqlRows(
    tx,
    Prisma.sql`
    WITH
    v AS (
      SELECT * FROM json_to_recordset(${JSON.stringify(rows)}::json) AS v(
        id text, company text, "contactName" text, "contactEmail" text, "externalId" text, "userId" text, audit json)),
    customers AS (
      INSERT INTO "Customer" (id, company, "contactName", "contactEmail", "createdById", "externalId", "updatedAt")
      SELECT id, company, "contactName", "contactEmail", ${ctx.actor.id}, "externalId", now() FROM v
      RETURNING id),
    users AS (
      INSERT INTO "User" (id, email, name, role, "customerId", "updatedAt")
      SELECT v."userId", v."contactEmail", v."contactName", 'CUSTOMER', customers.id, now()
      FROM v JOIN customers ON customers.id = v.id),
    audit AS (
      INSERT INTO "AuditLog" ("actorId", "actorEmail", "actorRole", action, "targetType", "targetId", "customerId",
                              ip, "userAgent", "apiKeyId", details)
      SELECT a."actorId", a."actorEmail", a."actorRole"::"Role", a.action, a."targetType", a."targetId",
             a."customerId", a.ip, a."userAgent", a."apiKeyId", a.details::jsonb
      FROM v, json_to_record(v.audit) AS a(
        "actorId" text, "actorEmail" text, "actorRole" text, action text, "targetType" text, "targetId" text,
        "customerId" text, ip text, "userAgent" text, "apiKeyId" text, details json))
    SELECT count(*) FROM customers`,
  );
}

const customerStatus = z.enum(["ACTIVE", "SUSPENDED", "CLOSED"], { error: "Choose a status." });

export const updateCustomer = defineCommand({
  name: "customer.update",
  permission: "customers:edit",
  input: z.object({ customerId: id, ...customerFields, status: customerStatus }),
  async run(ctx, { customerId, ...data }) {
    return transaction(ctx.db, async (tx) => {
      const before = await lockCustomer(tx, customerId);
      const customer = await tx.customer.update({ where: { id: customerId }, data });
      await afterStatusChange(tx, before, customer);
      const changed = (Object.keys(data) as (keyof typeof data)[]).filter((key) => before[key] !== customer[key]);
      await recordAudit(tx, ctx, {
        action: "customer.update",
        targetType: "customer",
        targetId: customerId,
        customerId,
        details: { changed },
      });
      return customer;
    });
  },
});

/** Suspends, closes or re-activates an account; its trunks are synced at once, as when the edit form changes it. */
export const setCustomerStatus = defineCommand({
  name: "customer.set-status",
  permission: "customers:edit",
  input: z.object({ customerId: id, status: customerStatus }),
  async run(ctx, { customerId, status }) {
    return transaction(ctx.db, async (tx) => {
      const before = await lockCustomer(tx, customerId);
      const customer = await tx.customer.update({ where: { id: customerId }, data: { status } });
      await afterStatusChange(tx, before, customer);
      await recordAudit(tx, ctx, {
        action: "customer.set-status",
        targetType: "customer",
        targetId: customerId,
        customerId,
        details: { from: before.status, to: status },
      });
      return customer;
    });
  },
});

/**
 * Sales' one-step demo: the customer, their sign-in user and a trunk with the provider's demo defaults
 * (5 concurrent calls, US-only dialing, caller ID forced to the provider's number, expiring after N days).
 */
export const createDemoAccount = defineCommand({
  name: "demo.create",
  permission: "demo:create",
  input: z.object(customerFields),
  async run(ctx, input) {
    return withFreshUsername(ctx.db, input.company, (username) =>
      transaction(ctx.db, async (tx) => {
        const settings = await getProviderSettings(tx);
        const servers = await tx.sipServer.findMany({ where: { active: true }, orderBy: { createdAt: "asc" } });
        if (servers.length === 0)
          throw new ConflictError("No active SIP server is configured; ask an admin to add one.");
        const demoExpiresAt = new Date(Date.now() + settings.demoDurationDays * 24 * 60 * 60 * 1000);
        const customer = await tx.customer.create({
          data: { ...input, isDemo: true, demoExpiresAt, createdById: ctx.actor.id },
        });
        await insertCustomerUser(tx, customer.id, input.contactName, input.contactEmail);
        await recordAudit(tx, ctx, {
          action: "demo.create",
          targetType: "customer",
          targetId: customer.id,
          customerId: customer.id,
          details: {
            company: input.company,
            contactEmail: input.contactEmail,
            demoExpiresAt: demoExpiresAt.toISOString(),
          },
        });
        // Through the trunk form's own schema: settings saved before they were validated cannot make a trunk the
        // registrar refuses.
        const demoSettings = trunkSettings.safeParse({
          serverIds: servers.map((server) => server.id),
          callLimit: settings.demoCallLimit,
          dialPermission: settings.demoDialPermission,
          allowedCountries: settings.demoAllowedCountries,
          callerIdPolicy: "FORCED",
          forcedCallerId: settings.forcedCallerId,
          forcedCallerIdName: settings.forcedCallerIdName ?? undefined,
          dids: [],
        });
        if (!demoSettings.success) {
          throw new ConflictError(
            "The demo settings are incomplete or invalid; ask an admin to fix them under Settings.",
          );
        }
        const trunk = await insertTrunk(tx, ctx, customer, demoSettings.data, username);
        return { customer, trunk };
      }),
    );
  },
});

export const addCustomerUser = defineCommand({
  name: "customer.add-user",
  permission: "customers:edit",
  input: z.object({ customerId: id, name: requiredText("a name", 120), email }),
  async run(ctx, { customerId, name, email: userEmail }) {
    return ctx.db.$transaction(async (tx) => {
      if (!(await tx.customer.findUnique({ where: { id: customerId } }))) throw new NotFoundError("Customer");
      const user = await insertCustomerUser(tx, customerId, name, userEmail, "email");
      await recordAudit(tx, ctx, {
        action: "customer.add-user",
        targetType: "user",
        targetId: user.id,
        customerId,
        details: { email: userEmail },
      });
      return user;
    });
  },
});
