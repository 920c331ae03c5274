import { z } from "zod";
import { listAudit } from "../audit/query";
import { customerSearchWhere, DEMO_FILTERS } from "../customers";
import type { Db } from "../db";
import type { Prisma } from "../generated/prisma/client";
import { SyncState } from "../generated/prisma/enums";
import { trunkInclude } from "../trunks/include";
import { formNumber, id, searchText } from "../validation";
import { ApiProblem } from "./problem";
import { ATTEMPTS_SHOWN } from "./resources";

/**
 * Cursor pagination for the API's lists. Customers and trunks come oldest first, by (createdAt, id): a cursor is the
 * last row's key, so rows created while a client pages through are never skipped or shown twice. The cursor is
 * opaque to clients (base64url JSON).
 */
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

const limit = formNumber(
  z
    .number({ error: "limit must be a number." })
    .int("limit must be a whole number.")
    .min(1, "limit must be at least 1.")
    .max(MAX_LIMIT, `limit must be at most ${MAX_LIMIT}.`),
)
  .default(DEFAULT_LIMIT)
  .meta({ description: `How many items per page (1-${MAX_LIMIT}).` });
const cursor = z.string().max(500).optional().meta({ description: "The `nextCursor` of the previous page." });
const text = (description: string) => z.string().max(200).optional().meta({ description });

export const customerListQuery = z.object({
  limit,
  cursor,
  q: text("Search company, contact, any user's email, SIP username or DID, as the staff list does."),
  demo: z.enum(DEMO_FILTERS).optional().meta({ description: "Only demos ending within 7 days, or already ended." }),
  status: z.enum(["ACTIVE", "SUSPENDED", "CLOSED"]).optional(),
});

export const trunkListQuery = z.object({
  limit,
  cursor,
  customerId: id.optional(),
  status: z.enum(["ACTIVE", "DISABLED", "DELETED"]).optional(),
  syncState: z.enum(SyncState).optional(),
  username: text("SIP usernames containing this text."),
});

export const webhookEndpointListQuery = z.object({
  limit,
  cursor,
  active: z.enum(["true", "false"]).optional().meta({ description: "Only active (or disabled) endpoints." }),
});

export const webhookDeliveryListQuery = z.object({
  limit,
  cursor,
  status: z.enum(["PENDING", "DELIVERING", "SUCCEEDED", "FAILED"]).optional(),
});

export const auditListQuery = z.object({
  limit,
  cursor,
  customerId: text("Entries about this customer."),
  action: text("Actions starting with this text, e.g. trunk."),
  actor: text("Entries by staff whose email contains this text."),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

type Key = { createdAt: Date; id: string };

function encodeCursor(key: Key): string {
  return Buffer.from(JSON.stringify([key.createdAt.toISOString(), key.id])).toString("base64url");
}

const cursorShape = z.tuple([z.iso.datetime(), id]);

function decodeCursor(value: string | undefined): Key | null {
  if (value === undefined) return null;
  try {
    const [at, rowId] = cursorShape.parse(JSON.parse(Buffer.from(value, "base64url").toString("utf8")));
    return { createdAt: new Date(at), id: rowId };
  } catch {
    throw new ApiProblem(400, "invalid-cursor", "This cursor is not one the API gave out.", {
      cursor: ["Pass the nextCursor of the previous page, unchanged."],
    });
  }
}

const after = (key: Key | null) =>
  key ? { OR: [{ createdAt: { gt: key.createdAt } }, { createdAt: key.createdAt, id: { gt: key.id } }] } : {};
/** For lists that come newest first. */
const before = (key: Key | null) =>
  key ? { OR: [{ createdAt: { lt: key.createdAt } }, { createdAt: key.createdAt, id: { lt: key.id } }] } : {};

/** One page plus the cursor of the next, from `take + 1` rows. */
function paged<Row extends Key>(rows: Row[], take: number) {
  const page = rows.slice(0, take);
  const last = page.at(-1);
  return { rows: page, nextCursor: rows.length > take && last ? encodeCursor(last) : null };
}

export async function listCustomersPage(db: Db, query: z.output<typeof customerListQuery>) {
  const search = customerSearchWhere(query.q ?? "", query.demo ?? null);
  if (search === null) return { rows: [], nextCursor: null };
  const where: Prisma.CustomerWhereInput = {
    AND: [search, query.status ? { status: query.status } : {}, after(decodeCursor(query.cursor))],
  };
  const rows = await db.customer.findMany({
    where,
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: query.limit + 1,
  });
  return paged(rows, query.limit);
}

export async function listTrunksPage(db: Db, query: z.output<typeof trunkListQuery>) {
  const username = query.username === undefined ? undefined : searchText(query.username);
  if (username === null) return { rows: [], nextCursor: null };
  const where: Prisma.TrunkWhereInput = {
    AND: [
      query.customerId ? { customerId: query.customerId } : {},
      query.status ? { status: query.status } : {},
      query.syncState ? { syncState: query.syncState } : {},
      username ? { username: { contains: username.toLowerCase() } } : {},
      after(decodeCursor(query.cursor)),
    ],
  };
  const rows = await db.trunk.findMany({
    where,
    include: trunkInclude,
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: query.limit + 1,
  });
  return paged(rows, query.limit);
}

export async function listWebhookEndpointsPage(db: Db, query: z.output<typeof webhookEndpointListQuery>) {
  const rows = await db.webhookEndpoint.findMany({
    where: {
      AND: [query.active ? { active: query.active === "true" } : {}, after(decodeCursor(query.cursor))],
    },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: query.limit + 1,
  });
  return paged(rows, query.limit);
}

/** An endpoint's deliveries, newest first, each with its latest attempts. */
export async function listWebhookDeliveriesPage(
  db: Db,
  endpointId: string,
  query: Partial<z.output<typeof webhookDeliveryListQuery>> & { limit: number },
  /** Just this delivery (if it is the endpoint's). */
  deliveryId?: string,
) {
  const rows = await db.webhookDelivery.findMany({
    where: {
      AND: [
        { endpointId },
        deliveryId ? { id: deliveryId } : {},
        query.status ? { status: query.status } : {},
        before(decodeCursor(query.cursor)),
      ],
    },
    include: {
      event: { select: { id: true, type: true, createdAt: true } },
      attempts: { orderBy: [{ startedAt: "desc" }, { id: "desc" }], take: ATTEMPTS_SHOWN },
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
  });
  return paged(rows, query.limit);
}

/** The audit log, newest first; its cursor is the last entry's id. */
export async function listAuditPage(db: Db, query: z.output<typeof auditListQuery>) {
  let before: bigint | undefined;
  if (query.cursor !== undefined) {
    if (!/^\d{1,19}$/.test(query.cursor)) {
      throw new ApiProblem(400, "invalid-cursor", "This cursor is not one the API gave out.", {
        cursor: ["Pass the nextCursor of the previous page, unchanged."],
      });
    }
    before = BigInt(query.cursor);
  }
  const { entries, more } = await listAudit(db, {
    customerId: query.customerId,
    action: query.action,
    actor: query.actor,
    from: query.from ? new Date(query.from) : undefined,
    to: query.to ? new Date(query.to) : undefined,
    take: query.limit,
    before,
  });
  return { rows: entries, nextCursor: more === undefined ? null : more.toString() };
}
