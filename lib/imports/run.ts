import { recordAudit } from "../audit/log";
import { actorOf, can } from "../auth/policy";
import type { AuthorizedContext } from "../commands";
import { insertCustomer } from "../customers";
import { type Db, transaction } from "../db";
import { ConflictError, NotFoundError } from "../errors";
import { Prisma } from "../generated/prisma/client";
import { insertTrunk, withFreshUsername } from "../trunks/provision";
import { activeServerIds, finishImport } from ".";
import { type CheckedRow, checkRow, type ImportRowValues } from "./rows";

/**
 * Rows imported at once. Rows of one customer always go to the same lane, one after another, so the row that
 * creates the customer commits before the rows that add trunks to it. Four lanes keep the job within the worker's
 * share of the database pool.
 */
const LANES = 4;
/** How often a running import looks for a cancellation. */
const CANCEL_POLL_MS = 500;

/**
 * The import job (graphile-worker task RUN_IMPORT_TASK). Each row is one transaction that also marks the row done,
 * so a row is imported entirely or not at all. When a worker dies mid-import, graphile-worker runs the job again on
 * another one, which takes the rows still PENDING; external ids and the row lock make a row that did commit count
 * as done, never twice.
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
  for (const row of rows) {
    const values = row.data as ImportRowValues;
    lanes[laneOf(values.customer_external_id)]?.push(row);
  }

  let cancelled = found.cancelRequestedAt !== null;
  const watcher = setInterval(() => {
    db.csvImport
      .findUnique({ where: { id: importId }, select: { cancelRequestedAt: true } })
      .then((current) => {
        if (current?.cancelRequestedAt) cancelled = true;
      })
      .catch(() => {});
  }, CANCEL_POLL_MS);
  try {
    await Promise.all(
      lanes.map(async (lane) => {
        for (const row of lane) {
          if (cancelled) return;
          await importRow(db, ctx, importId, row.line, row.data as ImportRowValues, serverIds, found.sendCredentials);
        }
      }),
    );
  } finally {
    clearInterval(watcher);
  }

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

/** An import row's status, with the customer and trunk of its external ids if they exist. */
type ExistingRecords = {
  status: string;
  customer: { id: string; contactName: string; contactEmail: string } | null;
  trunk: { id: string; username: string; customerId: string } | null;
};

async function importRow(
  db: Db,
  ctx: AuthorizedContext,
  importId: string,
  line: number,
  values: ImportRowValues,
  serverIds: ReadonlyMap<string, string>,
  sendCredentials: boolean,
) {
  const where = { importId_line: { importId, line } };
  // Checked again: a server may have been deactivated, or the schemas tightened, since the dry run.
  const checked = checkRow(line, values, serverIds);
  if ("errors" in checked) {
    const error = checked.errors.map((cell) => `${cell.column ?? "row"}: ${cell.message}`).join(" ");
    await db.csvImportRow.update({ where, data: { status: "FAILED", error } });
    return;
  }
  const { row } = checked;
  const write = (username: string | null) =>
    transaction(db, async (tx) => {
      // A worker that takes over after a crash skips the rows the dead one committed. The row's customer and trunk,
      // if an earlier row or import made them, are read with the lock: one round trip.
      const [current] = await tx.$queryRaw<ExistingRecords[]>`
        SELECT r.status::text AS status,
               (SELECT json_build_object('id', id, 'contactName', "contactName", 'contactEmail', "contactEmail")
                FROM "Customer" WHERE "externalId" = ${row.customerExternalId}) AS customer,
               (SELECT json_build_object('id', id, 'username', username, 'customerId', "customerId")
                FROM "Trunk" WHERE "externalId" = ${row.trunk?.externalId ?? null}::text) AS trunk
        FROM "CsvImportRow" r WHERE r."importId" = ${importId} AND r.line = ${line}
        FOR UPDATE OF r`;
      if (current?.status !== "PENDING") return;
      const imported = { importId, externalId: row.customerExternalId };
      let created = false;
      let customer = current.customer;
      if (!customer) {
        customer = await insertCustomer(tx, ctx, row.customer, imported);
        created = true;
      }
      let trunk: { id: string; username: string; customerId: string } | null = null;
      if (row.trunk && username) {
        trunk = current.trunk;
        if (trunk && trunk.customerId !== customer.id) {
          throw new ConflictError("This trunk_external_id belongs to another customer's trunk.");
        }
        if (!trunk) {
          trunk = await insertTrunk(tx, ctx, customer, row.trunk.settings, username, {
            importId,
            externalId: row.trunk.externalId,
            sendCredentials,
          });
          created = true;
        }
      }
      await tx.csvImportRow.update({
        where,
        data: {
          status: created ? "CREATED" : "EXISTING",
          customerId: customer.id,
          trunkId: trunk?.id ?? null,
          username: trunk?.username ?? null,
          error: null,
        },
      });
    });
  try {
    await (row.trunk ? withFreshUsername(db, row.customer.company, write) : write(null));
  } catch (error) {
    const message = rowFailure(error, row);
    if (message === null) throw error;
    await db.csvImportRow.update({ where, data: { status: "FAILED", error: message } });
  }
}

/** What a row's failure tells the person importing, or null for a failure of the system (the job is retried). */
function rowFailure(error: unknown, row: CheckedRow): string | null {
  if (error instanceof ConflictError || error instanceof NotFoundError) return error.message;
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
    const target = JSON.stringify(error.meta ?? {});
    if (target.includes("email")) return `A user with the email ${row.customer.contactEmail} already exists.`;
    return "Another import created this record at the same moment; import the file again to link it.";
  }
  return null;
}
