import { z } from "zod";
import { recordAudit } from "../audit/log";
import { defineCommand } from "../commands";
import { type CsvTable, csvLine, MAX_CSV_BYTES, parseCsv } from "../csv";
import { type Db, type Tx, transaction } from "../db";
import { ConflictError, NotFoundError } from "../errors";
import type { Prisma } from "../generated/prisma/client";
import { enqueueJob } from "../jobs/queue";
import { trunksRefusedFor } from "../trunks/active-account";
import { checkbox, id } from "../validation";
import { type CellError, checkRow, IMPORT_COLUMNS, type ImportRowValues } from "./rows";

export const RUN_IMPORT_TASK = "imports.run";
/** The dry run reports this many errors at most; the count says how many there were. */
export const MAX_REPORTED_ERRORS = 1000;

/** The active SIP servers by hostname, exactly as written (hostnames are case-sensitive for the provider). */
export async function activeServerIds(db: Db | Tx): Promise<Map<string, string>> {
  const servers = await db.sipServer.findMany({ where: { active: true }, select: { id: true, hostname: true } });
  return new Map(servers.map((server) => [server.hostname, server.id]));
}

/**
 * The uploaded file as a table: CSV that parses, with every column of the template. Anything else is not an import
 * at all (a field error on the file, naming the line where parsing failed); only its rows are checked one by one.
 */
const csvFile = z
  .string({ error: "Choose a CSV file." })
  .min(1, "Choose a CSV file.")
  .refine((text) => Buffer.byteLength(text, "utf8") <= MAX_CSV_BYTES, {
    message: `The file is larger than ${MAX_CSV_BYTES / 1024 / 1024} MB; split it into smaller files.`,
    abort: true,
  })
  .transform((text, ctx) => {
    const parsed = parseCsv(text);
    const refuse = (message: string) => {
      ctx.addIssue({ code: "custom", message });
      return z.NEVER;
    };
    if ("problem" in parsed) {
      const { line, message } = parsed.problem;
      return refuse(line > 0 ? `Line ${line}: ${message}` : message);
    }
    // Other columns are ignored, so a trunk export (which has these and more) can be imported again.
    const missing = IMPORT_COLUMNS.filter((column) => !parsed.table.header.includes(column));
    if (missing.length) return refuse(`Line 1: missing columns ${missing.join(", ")} (see the template).`);
    if (parsed.table.records.length === 0) return refuse("The file has a header line but no rows.");
    return parsed.table;
  });

/**
 * The dry run: checks every row of the file with the forms' schemas, then what only the whole file and the database
 * can tell (a customer's rows that disagree, an id or DID used twice, an email or DID someone else has). Every error
 * names its line and column; nothing is written.
 */
export async function checkImportFile(db: Db | Tx, { header, records }: CsvTable) {
  const errors: CellError[] = [];
  const serverIds = await activeServerIds(db);
  const rows = records.map(({ line, cells }) => ({
    line,
    values: Object.fromEntries(
      IMPORT_COLUMNS.map((column) => [column, cells[header.indexOf(column)] ?? ""]),
    ) as ImportRowValues,
  }));
  const checked = rows.flatMap(({ line, values }) => {
    const result = checkRow(line, values, serverIds);
    if ("errors" in result) {
      errors.push(...result.errors);
      return [];
    }
    return [{ line, ...result.row }];
  });
  errors.push(...(await crossRowErrors(db, checked)));
  errors.sort((a, b) => a.line - b.line);
  return { rows, errors };
}

type Checked = { line: number } & Exclude<ReturnType<typeof checkRow>, { errors: unknown }>["row"];

async function crossRowErrors(db: Db | Tx, rows: Checked[]): Promise<CellError[]> {
  const errors: CellError[] = [];
  const customers = new Map<string, Checked>();
  const emails = new Map<string, string>();
  const trunks = new Map<string, number>();
  const dids = new Map<string, number>();
  for (const row of rows) {
    const first = customers.get(row.customerExternalId);
    if (first) {
      for (const [field, column] of [
        ["company", "company"],
        ["contactName", "contact_name"],
        ["contactEmail", "contact_email"],
      ] as const) {
        if (first.customer[field] !== row.customer[field]) {
          errors.push({ line: row.line, column, message: `Differs from line ${first.line}, the same customer.` });
        }
      }
    } else {
      customers.set(row.customerExternalId, row);
      const owner = emails.get(row.customer.contactEmail);
      if (owner !== undefined) {
        errors.push({ line: row.line, column: "contact_email", message: `Used by customer ${owner} too.` });
      }
      emails.set(row.customer.contactEmail, row.customerExternalId);
    }
    if (!row.trunk) continue;
    const twin = trunks.get(row.trunk.externalId);
    if (twin !== undefined) {
      errors.push({ line: row.line, column: "trunk_external_id", message: `Line ${twin} has this trunk id too.` });
    }
    trunks.set(row.trunk.externalId, row.line);
    for (const did of row.trunk.settings.dids) {
      const other = dids.get(did);
      if (other !== undefined)
        errors.push({ line: row.line, column: "dids", message: `${did} is on line ${other} too.` });
      dids.set(did, row.line);
    }
  }
  // What is already in the portal: another customer's user with the email, another trunk with the DID, a suspended
  // or closed account that a row would add a trunk to.
  const [users, routed, inactive] = await Promise.all([
    db.user.findMany({
      where: { email: { in: [...emails.keys()] } },
      select: { email: true, customer: { select: { externalId: true } } },
    }),
    db.did.findMany({
      where: { number: { in: [...dids.keys()] } },
      select: { number: true, trunk: { select: { externalId: true } } },
    }),
    db.customer.findMany({
      where: { externalId: { in: [...customers.keys()] }, status: { not: "ACTIVE" } },
      select: {
        externalId: true,
        status: true,
        trunks: { where: { externalId: { in: [...trunks.keys()] } }, select: { externalId: true } },
      },
    }),
  ]);
  const refused = new Map(inactive.map((account) => [account.externalId, account]));
  for (const row of rows) {
    const account = refused.get(row.customerExternalId);
    const message = account && trunksRefusedFor(account);
    if (message && row.trunk && !account.trunks.some((trunk) => trunk.externalId === row.trunk?.externalId)) {
      errors.push({ line: row.line, column: "customer_external_id", message });
    }
  }
  for (const user of users) {
    const ref = emails.get(user.email);
    if (ref !== undefined && user.customer?.externalId !== ref) {
      const line = customers.get(ref)?.line ?? 0;
      errors.push({ line, column: "contact_email", message: "A user with this email already exists." });
    }
  }
  for (const did of routed) {
    const line = dids.get(did.number) ?? 0;
    const row = rows.find((candidate) => candidate.line === line);
    if (did.trunk.externalId === null || did.trunk.externalId !== row?.trunk?.externalId) {
      errors.push({ line, column: "dids", message: `${did.number} is already routed to another trunk.` });
    }
  }
  return errors;
}

const filename = z
  .string()
  .trim()
  .max(200)
  .optional()
  .transform((value) => value?.replace(/[^\w .()-]/g, "_") || "import.csv");

/** Uploads a file and runs the dry run: the import is READY to start, or INVALID with its rows' errors. */
export const uploadImport = defineCommand({
  name: "import.upload",
  permission: "imports:run",
  input: z.object({ csv: csvFile, filename }),
  async run(ctx, { csv, filename }) {
    const { rows, errors } = await checkImportFile(ctx.db, csv);
    return transaction(ctx.db, async (tx) => {
      const valid = errors.length === 0;
      const created = await tx.csvImport.create({
        data: {
          filename,
          status: valid ? "READY" : "INVALID",
          totalRows: rows.length,
          errors: errors.slice(0, MAX_REPORTED_ERRORS) as Prisma.InputJsonArray,
          errorCount: errors.length,
          createdById: ctx.actor.id,
          apiKeyId: ctx.meta.apiKeyId ?? null,
        },
      });
      if (valid) {
        // One statement with one parameter: createMany's per-row query building cost about 0.5 ms per row.
        await tx.$executeRaw`
          INSERT INTO "CsvImportRow" ("importId", line, data)
          SELECT ${created.id}, v.line, v.data
          FROM json_to_recordset(${JSON.stringify(rows.map((row) => ({ line: row.line, data: row.values })))}::json)
            AS v(line int, data jsonb)`;
      }
      await recordAudit(tx, ctx, {
        action: "import.upload",
        targetType: "import",
        targetId: created.id,
        details: { filename, rows: rows.length, errors: errors.length },
      });
      return created;
    });
  },
});

async function lockImport(tx: Tx, importId: string) {
  await tx.$queryRaw`SELECT 1 FROM "CsvImport" WHERE "id" = ${importId} FOR UPDATE`;
  const found = await tx.csvImport.findUnique({ where: { id: importId } });
  if (!found) throw new NotFoundError("Import");
  return found;
}

/** Starts a checked import: one background job imports its rows; credentials are emailed only when asked. */
export const startImport = defineCommand({
  name: "import.start",
  permission: "imports:run",
  input: z.object({ importId: id, sendCredentials: checkbox }),
  async run(ctx, { importId, sendCredentials }) {
    return transaction(ctx.db, async (tx) => {
      const found = await lockImport(tx, importId);
      if (found.status !== "READY") {
        throw new ConflictError(
          found.status === "INVALID"
            ? "Correct the file's errors and upload it again."
            : "This import was started already.",
        );
      }
      const started = await tx.csvImport.update({
        where: { id: importId },
        data: { status: "RUNNING", sendCredentials, startedAt: new Date() },
      });
      await enqueueJob(tx, RUN_IMPORT_TASK, { importId }, { jobKey: `import:${importId}` });
      await recordAudit(tx, ctx, {
        action: "import.start",
        targetType: "import",
        targetId: importId,
        details: { rows: found.totalRows, sendCredentials },
      });
      return started;
    });
  },
});

/** Stops an import: rows already imported stay (each was its own transaction); the rest are skipped. */
export const cancelImport = defineCommand({
  name: "import.cancel",
  permission: "imports:run",
  input: z.object({ importId: id }),
  async run(ctx, { importId }) {
    return transaction(ctx.db, async (tx) => {
      const found = await lockImport(tx, importId);
      if (found.status !== "READY" && found.status !== "RUNNING") {
        throw new ConflictError("This import has finished already.");
      }
      // A running import is stopped by its job, between two rows; one that never started ends here.
      const cancelled =
        found.status === "READY"
          ? await finishImport(tx, importId, "CANCELLED")
          : await tx.csvImport.update({ where: { id: importId }, data: { cancelRequestedAt: new Date() } });
      await recordAudit(tx, ctx, { action: "import.cancel", targetType: "import", targetId: importId });
      return cancelled;
    });
  },
});

/** Ends an import; rows it did not reach are SKIPPED. */
export async function finishImport(tx: Tx, importId: string, status: "COMPLETED" | "CANCELLED") {
  await tx.csvImportRow.updateMany({ where: { importId, status: "PENDING" }, data: { status: "SKIPPED" } });
  return tx.csvImport.update({ where: { id: importId }, data: { status, finishedAt: new Date() } });
}

export type ImportProgress = Awaited<ReturnType<typeof getImportProgress>>;

/** An import with its progress: rows done of total, rows per second so far and the time left at that rate. */
export async function getImportProgress(db: Db, importId: string) {
  const found = await db.csvImport.findUnique({ where: { id: importId } });
  if (!found) throw new NotFoundError("Import");
  const groups = await db.csvImportRow.groupBy({ by: ["status"], where: { importId }, _count: { _all: true } });
  const counts = { PENDING: 0, CREATED: 0, EXISTING: 0, FAILED: 0, SKIPPED: 0 };
  for (const group of groups) counts[group.status] = group._count._all;
  const done = counts.CREATED + counts.EXISTING + counts.FAILED;
  const end = found.finishedAt ?? new Date();
  const seconds = found.startedAt ? Math.max(0.001, (end.getTime() - found.startedAt.getTime()) / 1000) : 0;
  const rate = seconds > 0 ? done / seconds : 0;
  const remaining = found.status === "RUNNING" ? counts.PENDING : 0;
  return {
    import: found,
    errors: found.errors as CellError[],
    counts,
    done,
    rate,
    etaSeconds: remaining > 0 && rate > 0 ? Math.ceil(remaining / rate) : remaining > 0 ? null : 0,
  };
}

export async function listImports(db: Db) {
  return db.csvImport.findMany({ orderBy: { createdAt: "desc" }, take: 50 });
}

const RESULT_COLUMNS = [
  "line",
  "customer_external_id",
  "trunk_external_id",
  "customer_id",
  "username",
  "status",
  "error",
];

/** What the import did with each line of the file: never a password. Null when there is no such import. */
export async function importResultCsv(db: Db, importId: string): Promise<string | null> {
  const found = await db.csvImport.findUnique({ where: { id: importId }, select: { id: true } });
  if (!found) return null;
  const rows = await db.csvImportRow.findMany({ where: { importId }, orderBy: { line: "asc" } });
  return (
    csvLine(RESULT_COLUMNS) +
    rows
      .map((row) => {
        const values = row.data as ImportRowValues;
        return csvLine([
          row.line,
          values.customer_external_id,
          values.trunk_external_id,
          row.customerId,
          row.username,
          row.status.toLowerCase(),
          row.error,
        ]);
      })
      .join("")
  );
}
