import { PrismaPg } from "@prisma/adapter-pg";
import { env } from "./env";
import { PrismaClient } from "./generated/prisma/client";

export type Db = PrismaClient;
/** A client inside an interactive transaction. */
export type Tx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

export function createDb(connectionString: string): PrismaClient {
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString }),
    // A burst of requests (50 trunks created at once, parallel sign-ins) queues for the pool's connections; on a
    // busy machine that takes longer than Prisma's 2 s default, and waiting beats failing the request.
    transactionOptions: { maxWait: 15_000, timeout: 20_000 },
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
