import "server-only";
import { notFound } from "next/navigation";
import { NotFoundError } from "./errors";

/** Awaits a lookup for a page, turning "no such record" into the 404 page instead of a 500. */
export async function orNotFound<T>(lookup: Promise<T>): Promise<T> {
  try {
    return await lookup;
  } catch (error) {
    if (error instanceof NotFoundError) notFound();
    throw error;
  }
}
