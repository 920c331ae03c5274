import { randomBytes } from "node:crypto";

/**
 * A new record id shaped like Prisma's cuid(): 25 characters of [a-z0-9] starting with "c", time-ordered to the
 * millisecond, then 60 random bits. For rows that hot paths insert with SQL instead of through Prisma's client.
 */
export function newId(): string {
  return `c${Date.now().toString(36).padStart(9, "0")}${randomBytes(8).toString("hex").slice(0, 15)}`;
}
