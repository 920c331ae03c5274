import { z } from "zod";
import { Prisma } from "./generated/prisma/client";
import { isId } from "./validation";

/**
 * Keyset pagination: a page link names the row where the page starts or ends (its sort value and id), never an
 * offset, so a page costs the same deep in a million rows as at the top, and rows inserted meanwhile neither repeat
 * nor skip rows on the following pages. `tier` orders groups before the sort value (a search's exact matches first).
 */
export type Cursor = { tier: number; key: string; id: string };
export type PageDirection = "next" | "previous";
/** A page link's parameters: the page starts after `after`, or ends before `before`. */
export type PageRequest = { after?: string | null; before?: string | null };

const cursorSchema = z.tuple([z.number().int().min(0).max(9), z.iso.datetime(), z.string().refine(isId)]);

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.tier, cursor.key, cursor.id])).toString("base64url");
}

/** The cursor in a page link; anything else (edited, truncated, hostile) is null: the first page. */
export function decodeCursor(raw: unknown): Cursor | null {
  if (typeof raw !== "string" || raw.length > 200) return null;
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(raw, "base64url").toString("utf8")));
    return parsed.success ? { tier: parsed.data[0], key: parsed.data[1], id: parsed.data[2] } : null;
  } catch {
    return null;
  }
}

/** Where a requested page starts and which way it runs. */
export function readPage(request: PageRequest): { from: Cursor | null; direction: PageDirection } {
  const before = decodeCursor(request.before);
  if (before) return { from: before, direction: "previous" };
  return { from: decodeCursor(request.after), direction: "next" };
}

/**
 * The SQL that keeps the rows beyond `from` in the direction of travel, for a list ordered by (column, id) with the
 * sort value a timestamp, and the order to read them in (reversed when walking backwards: nearest first).
 */
export function keysetSql(column: Prisma.Sql, id: Prisma.Sql, from: Cursor | null, descending: boolean) {
  const order = descending ? Prisma.sql`DESC` : Prisma.sql`ASC`;
  if (!from) return { where: Prisma.sql`true`, order };
  const beyond = descending
    ? Prisma.sql`(${column}, ${id}) < (${from.key}::timestamp(3), ${from.id})`
    : Prisma.sql`(${column}, ${id}) > (${from.key}::timestamp(3), ${from.id})`;
  return { where: beyond, order };
}

/**
 * A page from rows fetched in the direction of travel (up to `perPage` + 1, the extra one saying that more follow):
 * the rows in list order, and the links to the pages on either side.
 */
export function finishPage<T>(
  fetched: T[],
  perPage: number,
  page: { from: Cursor | null; direction: PageDirection },
  cursorOf: (row: T) => Cursor,
): { rows: T[]; next: string | null; previous: string | null } {
  const more = fetched.length > perPage;
  const rows = fetched.slice(0, perPage);
  if (page.direction === "previous") rows.reverse();
  const first = rows[0];
  const last = rows[rows.length - 1];
  // Going forward, a next page exists when more rows came back, a previous one when there was a cursor; backward,
  // the reverse.
  const hasNext = page.direction === "next" ? more : true;
  const hasPrevious = page.direction === "next" ? page.from !== null : more;
  return {
    rows,
    next: hasNext && last ? encodeCursor(cursorOf(last)) : null,
    previous: hasPrevious && first ? encodeCursor(cursorOf(first)) : null,
  };
}

/** The cursor of a row of a list ordered by creation time. */
export const createdAtCursor = (row: { createdAt: Date; id: string }): Cursor => ({
  tier: 0,
  key: row.createdAt.toISOString(),
  id: row.id,
});
