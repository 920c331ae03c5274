import { recordAudit } from "../audit/log";
import { actorOf, can } from "../auth/policy";
import type { AuthorizedContext } from "../commands";
import { type ImportedCustomer, insertCustomers } from "../customers";
import { type Db, type SqlTx, sqlRows, sqlTransaction, transaction } from "../db";
import { ConflictError, NotFoundError } from "../errors";
import { Prisma } from "../generated/prisma/client";
import { newId } from "../ids";
import { refuseTrunksUnlessActive } from "../trunks/active-account";
import { insertCustomerTrunks, type NewCustomerTrunk, withFreshUsernamesFor } from "../trunks/provision";
import { activeServerIds, finishImport } from ".";
import { type CheckedRow, checkRow, type ImportRowValues } from "./rows";

/**
 * Rows written by one transaction. The first chunks are small, so the progress bar moves and a cancellation takes
 * effect within moments of the start; later ones are large, so each statement's fixed cost is shared by many rows.
 */
const FIRST_CHUNK = 25;
const MAX_CHUNK = 400;
/**
 * Chunks written at once: while the database writes one, the worker prepares the other (checks, passwords, hashes).
 * Rows of one customer always go to the same lane, in file order, so the chunk that creates the customer commits
 * before the rows that add trunks to it.
 */
const LANES = 2;

/**
 * The import job (graphile-worker task RUN_IMPORT_TASK). Rows are written in chunks, in file order: a chunk's
 * customers, users, trunks, audit entries and jobs, and the rows' statuses, commit together or not at all, with a
 * few set-based statements for the whole chunk. A chunk that fails because of a row (an email or DID someone took
 * since the dry run, a race with another import) is split in halves and each written again, down to the row at
 * fault, which alone is reported FAILED. When a worker dies mid-import, graphile-worker runs the job again on another
 * one, which takes the rows still PENDING; the rows' locks and external ids make a row that did commit count as done,
 * never twice.
 */
export async function runImport(db: Db, importId: string) {
  const found = await db.csvImport.findUnique({ where: { id: importId } });
  if (found?.status !== "RUNNING") return;
  const ctx = await importContext(db, found);
  const rows = await db.csvImportRow.findMany({
    where: { importId, status: "PENDING" },
    orderBy: { line: "asc" },
    select: { line: true, data: true },
  });
  if (!ctx) {
    await db.$transaction(async (tx) => {
      await tx.csvImportRow.updateMany({
        where: { importId, status: "PENDING" },
        data: { status: "FAILED", error: "The person who started this import may no longer import." },
      });
      await finishImport(tx, importId, "COMPLETED");
    });
    return;
  }
  const serverIds = await activeServerIds(db);
  const lanes: (typeof rows)[] = Array.from({ length: LANES }, () => []);
  for (const row of rows) lanes[laneOf((row.data as ImportRowValues).customer_external_id.trim())]?.push(row);
  await Promise.all(
    lanes.map(async (lane) => {
      for (
        let start = 0, size = FIRST_CHUNK;
        start < lane.length;
        start += size, size = Math.min(size * 2, MAX_CHUNK)
      ) {
        if (await cancelRequested(db, importId)) return;
        const checked: PendingRow[] = [];
        const invalid: RowStatus[] = [];
        for (const { line, data } of lane.slice(start, start + size)) {
          // Checked again: a server may have been deactivated, or the schemas tightened, since the dry run.
          const result = checkRow(line, data as ImportRowValues, serverIds);
          if ("row" in result) checked.push({ line, row: result.row });
          else
            invalid.push(
              failedRow(line, result.errors.map((cell) => `${cell.column ?? "row"}: ${cell.message}`).join(" ")),
            );
        }
        if (invalid.length) await setRowStatuses(db, importId, invalid);
        await importChunk(db, ctx, importId, checked, found.sendCredentials);
      }
    }),
  );

  await transaction(db, async (tx) => {
    const current = await tx.csvImport.findUniqueOrThrow({ where: { id: importId } });
    if (current.status !== "RUNNING") return;
    const finished = await finishImport(tx, importId, current.cancelRequestedAt ? "CANCELLED" : "COMPLETED");
    const groups = await tx.csvImportRow.groupBy({ by: ["status"], where: { importId }, _count: { _all: true } });
    await recordAudit(tx, ctx, {
      action: finished.status === "CANCELLED" ? "import.cancelled" : "import.completed",
      targetType: "import",
      targetId: importId,
      details: Object.fromEntries(groups.map((group) => [group.status.toLowerCase(), group._count._all])),
    });
  });
}

/** The import acts as whoever started it, with their role as it is now. */
async function importContext(
  db: Db,
  found: { createdById: string; apiKeyId: string | null },
): Promise<AuthorizedContext | null> {
  const user = await db.user.findUnique({ where: { id: found.createdById } });
  if (!user?.active) return null;
  const actor = actorOf(user);
  if (!can(actor, "imports:run")) return null;
  return { db, actor, meta: { ip: null, userAgent: "csv-import", apiKeyId: found.apiKeyId } };
}

function laneOf(customerExternalId: string) {
  let hash = 0;
  for (const char of customerExternalId) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return hash % LANES;
}

type PendingRow = { line: number; row: CheckedRow };
type RowStatus = {
  line: number;
  status: "CREATED" | "EXISTING" | "FAILED";
  customerId: string | null;
  trunkId: string | null;
  username: string | null;
  error: string | null;
};

const failedRow = (line: number, error: string): RowStatus => ({
  line,
  status: "FAILED",
  customerId: null,
  trunkId: null,
  username: null,
  error,
});

async function cancelRequested(db: Db, importId: string) {
  const current = await db.csvImport.findUnique({ where: { id: importId }, select: { cancelRequestedAt: true } });
  return current?.cancelRequestedAt != null;
}

/** The rows' outcomes, one statement for all of them; rows another worker finished already keep theirs. */
async function setRowStatuses(db: Db | SqlTx, importId: string, rows: RowStatus[]) {
  await sqlRows(
    db,
    Prisma.sql`
    UPDATE "CsvImportRow" r
    SET status = v.status::"CsvImportRowStatus", "customerId" = v."customerId", "trunkId" = v."trunkId",
        username = v.username, error = v.error
    FROM json_to_recordset(${JSON.stringify(rows)}::json)
      AS v(line int, status text, "customerId" text, "trunkId" text, username text, error text)
    WHERE r."importId" = ${importId} AND r.line = v.line AND r.status = 'PENDING'
    RETURNING r.line`,
  );
}

/**
 * Writes `rows` in one transaction; when one of them makes it fail, writes each half again (in file order, so a
 * customer's first row still comes before the others), until the row at fault is alone and is reported FAILED.
 */
async function importChunk(
  db: Db,
  ctx: AuthorizedContext,
  importId: string,
  rows: PendingRow[],
  sendCredentials: boolean,
): Promise<void> {
  if (rows.length === 0) return;
  const companies = rows.flatMap(({ row }) => (row.trunk ? [row.customer.company] : []));
  try {
    await withFreshUsernamesFor(db, companies, (usernames) =>
      sqlTransaction(db, (tx) => writeChunk(tx, ctx, importId, rows, usernames, sendCredentials)),
    );
  } catch (error) {
    const [only] = rows;
    const message = only ? rowFailure(error, only.row) : null;
    if (message === null) throw error;
    if (rows.length === 1 && only) {
      await setRowStatuses(db, importId, [failedRow(only.line, message)]);
      return;
    }
    const half = Math.ceil(rows.length / 2);
    await importChunk(db, ctx, importId, rows.slice(0, half), sendCredentials);
    await importChunk(db, ctx, importId, rows.slice(half), sendCredentials);
  }
}

/** A row's lock and status, with the customer and trunk of its external ids if they exist. */
type ExistingRecords = {
  line: number;
  status: string;
  customer: { id: string; contactName: string; contactEmail: string; status: string } | null;
  trunk: { id: string; username: string; customerId: string } | null;
};

async function writeChunk(
  tx: SqlTx,
  ctx: AuthorizedContext,
  importId: string,
  rows: PendingRow[],
  usernames: string[],
  sendCredentials: boolean,
) {
  // A worker that takes over after a crash skips the rows the dead one committed. The rows' customers and trunks,
  // if an earlier row or import made them, are read with the locks: one round trip for the chunk.
  const existing = await sqlRows<ExistingRecords>(
    tx,
    Prisma.sql`
    SELECT r.line, r.status::text AS status,
           (SELECT json_build_object('id', id, 'contactName', "contactName", 'contactEmail', "contactEmail",
                                     'status', status)
            FROM "Customer" WHERE "externalId" = v."customerExternalId") AS customer,
           (SELECT json_build_object('id', id, 'username', username, 'customerId', "customerId")
            FROM "Trunk" WHERE "externalId" = v."trunkExternalId") AS trunk
    FROM unnest(${rows.map((pending) => pending.line)}::int[],
                ${rows.map((pending) => pending.row.customerExternalId)}::text[],
                ${rows.map((pending) => pending.row.trunk?.externalId ?? null)}::text[])
      AS v(line, "customerExternalId", "trunkExternalId")
    JOIN "CsvImportRow" r ON r."importId" = ${importId} AND r.line = v.line
    ORDER BY r.line
    FOR UPDATE OF r`,
  );
  const byLine = new Map(existing.map((record) => [record.line, record]));
  const customers = new Map<string, { id: string; contactName: string; contactEmail: string }>();
  const newCustomers: ImportedCustomer[] = [];
  const newTrunks: NewCustomerTrunk[] = [];
  const outcomes: (RowStatus & { trunkExternalId: string | null })[] = [];
  let nextUsername = 0;
  for (const { line, row } of rows) {
    const username = row.trunk ? usernames[nextUsername++] : undefined;
    const current = byLine.get(line);
    if (current?.status !== "PENDING") continue;
    let created = false;
    let customer = customers.get(row.customerExternalId) ?? current.customer;
    if (!customer) {
      customer = { id: newId(), contactName: row.customer.contactName, contactEmail: row.customer.contactEmail };
      newCustomers.push({
        id: customer.id,
        input: row.customer,
        imported: { importId, externalId: row.customerExternalId },
      });
      created = true;
    }
    customers.set(row.customerExternalId, customer);
    const trunk = row.trunk ? current.trunk : null;
    if (trunk && trunk.customerId !== customer.id) {
      throw new ConflictError("This trunk_external_id belongs to another customer's trunk.");
    }
    if (row.trunk && !trunk && username) {
      if (current.customer) refuseTrunksUnlessActive(current.customer);
      newTrunks.push({
        customer,
        settings: row.trunk.settings,
        username,
        imported: { importId, externalId: row.trunk.externalId, sendCredentials },
      });
      created = true;
    }
    outcomes.push({
      line,
      status: created ? "CREATED" : "EXISTING",
      customerId: customer.id,
      trunkId: trunk?.id ?? null,
      username: trunk?.username ?? null,
      error: null,
      trunkExternalId: row.trunk && !trunk ? row.trunk.externalId : null,
    });
  }
  if (newCustomers.length) await insertCustomers(tx, ctx, newCustomers);
  const inserted = newTrunks.length ? await insertCustomerTrunks(tx, ctx, newTrunks) : [];
  const insertedByRef = new Map(inserted.map((trunk) => [trunk.externalId, trunk]));
  const statuses = outcomes.map(({ trunkExternalId, ...outcome }) => {
    const trunk = trunkExternalId === null ? undefined : insertedByRef.get(trunkExternalId);
    return trunk ? { ...outcome, trunkId: trunk.id, username: trunk.username } : outcome;
  });
  if (statuses.length) await setRowStatuses(tx, importId, statuses);
}

/** What a row's failure tells the person importing, or null for a failure of the system (the job is retried). */
function rowFailure(error: unknown, row: CheckedRow): string | null {
  if (error instanceof ConflictError || error instanceof NotFoundError) return error.message;
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
    const target = JSON.stringify(error.meta ?? {});
    if (target.includes("email")) return `A user with the email ${row.customer.contactEmail} already exists.`;
    if (target.includes("Did_number")) return "A DID of this row was routed to another trunk at the same moment.";
    return "Another import created this record at the same moment; import the file again to link it.";
  }
  return null;
}
