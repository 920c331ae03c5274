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
