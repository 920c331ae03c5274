import { PrismaPg } from "@prisma/adapter-pg";
import { env } from "./env";
import { PrismaClient } from "./generated/prisma/client";

export type Db = PrismaClient;
/** A client inside an interactive transaction. */
export type Tx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

export function createDb(connectionString: string): PrismaClient {
  // A busy pool makes a transaction wait for a connection rather than fail: Prisma's default 2 s wait turned bursts of
  // simultaneous commands on a loaded machine into errors.
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString }),
    transactionOptions: { maxWait: 15_000, timeout: 30_000 },
  });
}

const globalForDb = globalThis as unknown as { db?: PrismaClient };

/**
 * The process-wide client. Created on first use, not at import, because `next build` imports every module without a
 * database; kept on globalThis so dev-mode reloads reuse one pool.
 */
export function getDb(): PrismaClient {
  globalForDb.db ??= createDb(env().DATABASE_URL);
  return globalForDb.db;
}
