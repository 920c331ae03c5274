import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { DEFAULT_POOL_SIZE, env } from "./env";
import { Prisma, PrismaClient } from "./generated/prisma/client";
import { PORTAL_SESSION } from "./postgres-session";

export type Db = PrismaClient;
/** A client inside an interactive transaction. */
export type Tx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

/**
 * How long a transaction waits for a free connection. A burst (staff or the API creating hundreds of trunks at once)
 * queues for the pool in arrival order; on a busy two-core machine the last of 200 creations waits tens of seconds.
 * Waiting is the right answer to a burst, so this is generous; a request still waiting after it gets a clear
 * "busy, try again" (see `transientFailure` in ./commands), never a 500.
 */
export const TRANSACTION_MAX_WAIT_MS = 60_000;

/**
 * How long one transaction may run once it has its connection. Transactions here are a few dozen milliseconds of
 * work, but a starved CPU can stretch them many times over: this only catches a transaction that is truly stuck,
 * while it still holds row locks other changes wait for.
 */
export const TRANSACTION_TIMEOUT_MS = 30_000;

/** Each client's connection pool, shared by Prisma and the hot statements of `sqlRows`. */
const poolOf = new WeakMap<object, pg.Pool>();

/** `timestamp` columns hold UTC (as Prisma writes them): read them as UTC whatever the process's time zone. */
const utcTypes = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (oid === pg.types.builtins.TIMESTAMP && format !== "binary") {
      return (value: string) => new Date(`${value.replace(" ", "T")}Z`);
    }
    // int8 as bigint, as Prisma's $queryRaw returns it.
    if (oid === pg.types.builtins.INT8 && format !== "binary") return (value: string) => BigInt(value);
    return pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

export function createDb(connectionString: string, poolSize = DEFAULT_POOL_SIZE): PrismaClient {
  const pool = new pg.Pool({ ...PORTAL_SESSION, connectionString, max: poolSize, types: utcTypes });
  // A connection the server dropped while idle is replaced by the next query; Prisma's adapter logs it too.
  pool.on("error", () => {});
  const db = new PrismaClient({
    adapter: new PrismaPg(pool, { disposeExternalPool: true }),
    transactionOptions: { maxWait: TRANSACTION_MAX_WAIT_MS, timeout: TRANSACTION_TIMEOUT_MS },
  });
  poolOf.set(db, pool);
  return db;
}

/**
 * Runs a raw statement and returns its rows, like `$queryRaw`, but on the client's own pool without Prisma's query
 * compiler when `db` is a client (not a transaction): for hot paths, where that compiler costs several times the
 * statement's own time (about 2 ms of CPU per statement against 0.3 ms, bench/README.md). Database errors are
 * reported the way Prisma reports them (P2002 for a unique violation, the SQLSTATE in the same place), so callers
 * handle both paths alike.
 *
 * `name` makes it a named prepared statement: each connection parses and plans it once, not on every run (the text
 * must then be the same every time: values only as parameters). Should a migration change the columns such a
 * statement returns while this process runs, PostgreSQL refuses the prepared statement from then on ("cached plan
 * must not change result type"): it then runs unnamed, as before.
 */
export async function sqlRows<T>(db: Db | Tx | SqlTx, query: Prisma.Sql, name?: string): Promise<T[]> {
  const runner = db instanceof SqlTx ? db.client : poolOf.get(db);
  if (!runner) return (db as Db | Tx).$queryRaw<T[]>(query);
  const values = query.values.map((value) => (value instanceof Date ? value.toISOString() : value));
  const prepared = name && !stalePreparedStatements.has(name) ? name : undefined;
  try {
    return (await runner.query({ name: prepared, text: query.text, values })).rows as T[];
  } catch (error) {
    if (prepared && error instanceof pg.DatabaseError && error.code === "0A000") {
      stalePreparedStatements.add(prepared);
      // Inside a transaction the failed statement has aborted it: the error goes to the caller; later runs are unnamed.
      if (!(db instanceof SqlTx)) return sqlRows(db, query, name);
    }
    throw error instanceof pg.DatabaseError ? asPrismaError(error) : error;
  }
}

const stalePreparedStatements = new Set<string>();

/** A transaction of `sqlTransaction`: its statements run through `sqlRows`. */
export class SqlTx {
  constructor(readonly client: pg.PoolClient) {}
}

/**
 * `transaction` for work whose statements all go through `sqlRows`: on one connection of the client's own pool, without
 * Prisma's interactive-transaction machinery (a CSV import's chunk: a few large set-based statements; a registrar sync
 * batch). `idleTimeoutMs`: how long the transaction may wait between statements (work done elsewhere meanwhile).
 */
export function sqlTransaction<T>(
  db: Db,
  work: (tx: SqlTx) => Promise<T>,
  { idleTimeoutMs = TRANSACTION_TIMEOUT_MS }: { idleTimeoutMs?: number } = {},
): Promise<T> {
  return retryingConflicts(() =>
    withConnection(db, async (client) => {
      try {
        // A transaction left open by a stuck process must not hold its locks for ever (Prisma's have a timeout too).
        await client.query(`BEGIN; SET LOCAL idle_in_transaction_session_timeout = ${Math.trunc(idleTimeoutMs)}`);
        const result = await work(new SqlTx(client));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        // The connection is discarded either way (withConnection), so a failed ROLLBACK changes nothing.
        await client.query("ROLLBACK").catch(() => {});
        throw error instanceof pg.DatabaseError ? asPrismaError(error) : error;
      }
    }),
  );
}

/**
 * Runs `work` on one connection of the client's own pool, for what Prisma cannot express (a cursor read in batches
 * over one snapshot, `sqlTransaction`). The connection is discarded rather than reused if `work` fails.
 */
export async function withConnection<T>(db: Db, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const pool = poolOf.get(db);
  if (!pool) throw new Error("withConnection needs a client made by createDb");
  const client = await pool.connect();
  try {
    const result = await work(client);
    client.release();
    return result;
  } catch (error) {
    client.release(error instanceof Error ? error : true);
    throw error;
  }
}

function asPrismaError(error: pg.DatabaseError) {
  const code = error.code === "23505" ? "P2002" : error.code === "40001" || error.code === "40P01" ? "P2034" : "P2010";
  return new Prisma.PrismaClientKnownRequestError(`${error.message}${error.detail ? ` (${error.detail})` : ""}`, {
    code,
    clientVersion: Prisma.prismaVersion.client,
    meta: {
      target: error.constraint ?? null,
      driverAdapterError: { cause: { originalCode: error.code, originalMessage: error.message } },
    },
  });
}

const globalForDb = globalThis as unknown as { db?: PrismaClient };

/**
 * The process-wide client. Created on first use, not at import, because `next build` imports every module without a
 * database; kept on globalThis so dev-mode reloads reuse one pool.
 */
export function getDb(): PrismaClient {
  const config = env();
  globalForDb.db ??= createDb(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
  return globalForDb.db;
}

/** The PostgreSQL error code (SQLSTATE) behind a Prisma or driver-adapter error, if there is one. */
export function sqlStateOf(error: unknown): string | null {
  const candidate = error as {
    cause?: { originalCode?: unknown };
    meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } };
  } | null;
  const code = candidate?.meta?.driverAdapterError?.cause?.originalCode ?? candidate?.cause?.originalCode;
  return typeof code === "string" ? code : null;
}

/** A deadlock or serialization failure: PostgreSQL rolled the transaction back, and running it again is safe. */
export function isTransactionConflict(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2034") return true;
  const state = sqlStateOf(error);
  return state === "40001" || state === "40P01";
}

const CONFLICT_ATTEMPTS = 3;

/** Runs `run` again (three times in all at most) when PostgreSQL aborted its transaction for a deadlock or a conflict. */
async function retryingConflicts<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!isTransactionConflict(error) || attempt >= CONFLICT_ATTEMPTS) throw error;
    }
  }
}

/**
 * An interactive transaction that is run again when PostgreSQL aborts it for a deadlock or a serialization failure.
 * `work` must only touch the database (it may run more than once).
 */
export function transaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  return retryingConflicts(() => db.$transaction(work));
}
