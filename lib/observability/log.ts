import pino from "pino";
import { REQUEST_ID_HEADER } from "./request-id";

/**
 * The process's structured log: one JSON object per line on stdout (level, ISO time, message and fields), for any
 * log collector. LOG_LEVEL chooses how much (default info). Secrets are never passed to it.
 */
export const log = pino({
  level: process.env.LOG_LEVEL || "info",
  base: { pid: process.pid },
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
});

/** The log of the request being served: every line carries its request id (the base log outside a request). */
export async function requestLog(): Promise<pino.Logger> {
  try {
    const { headers } = await import("next/headers");
    const requestId = (await headers()).get(REQUEST_ID_HEADER);
    return requestId ? log.child({ requestId }) : log;
  } catch {
    return log;
  }
}
