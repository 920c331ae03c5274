import { randomInt } from "node:crypto";

/**
 * A readable SIP username: up to 8 letters of the company name, then 6 random digits ("acmephon482913").
 * Uniqueness is enforced by the database; callers retry on a collision.
 */
export function generateSipUsername(company: string): string {
  const letters = company
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z]/g, "")
    .slice(0, 8);
  const prefix = letters.length >= 2 ? letters : `trunk${letters}`;
  return `${prefix}${randomInt(0, 1_000_000).toString().padStart(6, "0")}`;
}
