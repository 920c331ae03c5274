import type { z } from "zod";
import { customerListQuery, listCustomersPage, listTrunksPage, MAX_LIMIT, trunkListQuery } from "./api/lists";
import { recordAudit } from "./audit/log";
import type { CommandContext } from "./commands";
import { csvLine } from "./csv";
import type { Db } from "./db";
import type { Customer } from "./generated/prisma/client";
import { IMPORT_COLUMNS } from "./imports/rows";
import type { TrunkDetails } from "./trunks";

/**
 * CSV exports of customers and trunks, filtered like the lists (the same query as the API's lists, so the same
 * filters mean the same rows) and streamed a page at a time: a million trunks never sit in memory. They hold no
 * password, HA1 or other secret: only what the list pages show. Cells are written by `csvCell`, which neutralises
 * text a spreadsheet would run as a formula.
 */
export const customerExportQuery = customerListQuery.omit({ limit: true, cursor: true });
export const trunkExportQuery = trunkListQuery.omit({ limit: true, cursor: true });

const CUSTOMER_COLUMNS = [
  "id",
  "external_id",
  "company",
  "contact_name",
  "contact_email",
  "status",
  "is_demo",
  "demo_expires_at",
  "created_at",
] as const;

/** The import's columns first (an export can be imported again, elsewhere), then what only the portal knows. */
const TRUNK_COLUMNS = [...IMPORT_COLUMNS, "id", "customer_id", "username", "status", "sync_state", "created_at"];

const customerCells = (customer: Customer) => [
  customer.id,
  customer.externalId,
  customer.company,
  customer.contactName,
  customer.contactEmail,
  customer.status,
  customer.isDemo,
  customer.demoExpiresAt?.toISOString(),
  customer.createdAt.toISOString(),
];

const trunkCells = (trunk: TrunkDetails) => [
  trunk.customer.externalId,
  trunk.customer.company,
  trunk.customer.contactName,
  trunk.customer.contactEmail,
  trunk.externalId,
  trunk.servers.map(({ server }) => server.hostname).join(" "),
  trunk.callLimit,
  trunk.dialPermission,
  trunk.allowedCountries.join(" "),
  trunk.callerIdPolicy,
  trunk.forcedCallerId,
  trunk.forcedCallerIdName,
  trunk.dids.map((did) => did.number).join("; "),
  trunk.id,
  trunk.customerId,
  trunk.username,
  trunk.status,
  trunk.syncState,
  trunk.createdAt.toISOString(),
];

export async function exportCustomersCsv(
  ctx: Pick<CommandContext, "actor" | "meta"> & { db: Db },
  query: z.output<typeof customerExportQuery>,
) {
  await recordAudit(ctx.db, ctx, { action: "customers.export", targetType: "customer", details: query });
  return csvStream(CUSTOMER_COLUMNS, async (cursor) => {
    const page = await listCustomersPage(ctx.db, { ...query, cursor, limit: MAX_LIMIT });
    return { lines: page.rows.map(customerCells), cursor: page.nextCursor };
  });
}

export async function exportTrunksCsv(
  ctx: Pick<CommandContext, "actor" | "meta"> & { db: Db },
  query: z.output<typeof trunkExportQuery>,
) {
  await recordAudit(ctx.db, ctx, {
    action: "trunks.export",
    targetType: "trunk",
    customerId: query.customerId ?? null,
    details: query,
  });
  return csvStream(TRUNK_COLUMNS, async (cursor) => {
    const page = await listTrunksPage(ctx.db, { ...query, cursor, limit: MAX_LIMIT });
    return { lines: page.rows.map(trunkCells), cursor: page.nextCursor };
  });
}

type Cell = string | number | boolean | null | undefined;

/** A CSV file written page by page as the client reads it (backpressure: the next page is read when asked for). */
function csvStream(
  header: readonly string[],
  nextPage: (cursor: string | undefined) => Promise<{ lines: Cell[][]; cursor: string | null }>,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor: string | undefined;
  let started = false;
  return new ReadableStream({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(csvLine(header)));
        return;
      }
      const page = await nextPage(cursor);
      if (page.lines.length) controller.enqueue(encoder.encode(page.lines.map(csvLine).join("")));
      if (page.cursor === null) controller.close();
      else cursor = page.cursor;
    },
  });
}
