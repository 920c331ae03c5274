import type { Db } from "../db";
import type { Prisma } from "../generated/prisma/client";
import { searchText } from "../validation";

export type AuditFilter = {
  customerId?: string;
  action?: string;
  actor?: string;
  from?: Date;
  to?: Date;
  take?: number;
  before?: bigint;
};

/** A day from a date field (YYYY-MM-DD, years 1000-9999): anything else, such as year 275760, is no filter. */
function dayParam(value: string | undefined): Date | undefined {
  if (!value || !/^[1-9]\d{3}-\d{2}-\d{2}$/.test(value)) return undefined;
  const day = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(day.getTime()) ? undefined : day;
}

/**
 * The audit page's filters from its address. Values the database cannot take (a date out of its range, an id past
 * 64 bits) are ignored rather than sent to it; text that cannot be stored matches nothing (see listAudit).
 */
export function auditFilterFromParams(params: {
  action?: string;
  actor?: string;
  customerId?: string;
  from?: string;
  to?: string;
  before?: string;
}): AuditFilter {
  return {
    action: params.action?.trim() || undefined,
    actor: params.actor?.trim() || undefined,
    customerId: params.customerId?.trim() || undefined,
    from: dayParam(params.from),
    to: dayParam(params.to),
    before: params.before && /^\d{1,18}$/.test(params.before) ? BigInt(params.before) : undefined,
  };
}

/** Newest first; `before` pages backwards by id. A filter with text that cannot be stored matches nothing. */
export async function listAudit(db: Db, filter: AuditFilter) {
  const texts = [filter.customerId, filter.action, filter.actor].filter((text) => text !== undefined);
  if (texts.some((text) => searchText(text) === null)) return { entries: [], more: undefined };
  const where: Prisma.AuditLogWhereInput = {
    ...(filter.customerId ? { customerId: filter.customerId } : {}),
    ...(filter.action ? { action: { startsWith: filter.action } } : {}),
    ...(filter.actor ? { actorEmail: { contains: filter.actor.toLowerCase() } } : {}),
    ...(filter.from || filter.to ? { at: { gte: filter.from, lte: filter.to } } : {}),
    ...(filter.before ? { id: { lt: filter.before } } : {}),
  };
  const take = filter.take ?? 50;
  const rows = await db.auditLog.findMany({ where, orderBy: { id: "desc" }, take: take + 1 });
  return { entries: rows.slice(0, take), more: rows.length > take ? rows[take - 1]?.id : undefined };
}

export type AuditEntryRow = Awaited<ReturnType<typeof listAudit>>["entries"][number];
