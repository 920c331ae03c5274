import { createHmac, timingSafeEqual } from "node:crypto";
import { settleAll } from "./settle-all";
import { RegistrarValidationError, validateProviderPolicy, validateSubscriber } from "./subscriber";
import type {
  AuthFailureCount,
  CallRecord,
  Refusal,
  Registrar,
  RegistrarSnapshot,
  Registration,
  Subscriber,
  SubscriberChange,
} from "./types";

/**
 * Registrar adapter for registrars the portal does not write directly: a small JSON API (docs/registrar-http-api.md).
 * Every request is signed with HMAC-SHA256 over the timestamp, method, path and body, and retried on network errors,
 * timeouts and 5xx answers.
 */

export const SIGNATURE_HEADER = "x-trunkportal-signature";
/** Receivers reject signatures older or newer than this, so a captured request cannot be replayed later. */
export const MAX_CLOCK_SKEW_S = 300;

export function sign(secret: string, timestamp: number, method: string, path: string, body: string): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.${method.toUpperCase()}.${path}.${body}`).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

/** For receivers: true when `header` is a valid, fresh signature of this request. */
export function verifySignature(
  secret: string,
  header: string | undefined,
  request: { method: string; path: string; body: string },
  now = Date.now(),
): boolean {
  const match = header?.match(/^t=(\d+),v1=([0-9a-f]{64})$/);
  if (!match) return false;
  const timestamp = Number(match[1]);
  if (Math.abs(now / 1000 - timestamp) > MAX_CLOCK_SKEW_S) return false;
  const expected = Buffer.from(sign(secret, timestamp, request.method, request.path, request.body));
  const given = Buffer.from(header ?? "");
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Requests in flight at once when a batch of changes is applied. */
const APPLY_PARALLELISM = 8;

/** Answers that refuse a subscriber's data (others, 401 or 404 included, are configuration or outages: retried). */
const REFUSED_DATA = [400, 409, 422];

export class RegistrarHttpError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = "RegistrarHttpError";
  }
}

export type HttpRegistrarOptions = {
  baseUrl: string;
  secret: string;
  timeoutMs?: number;
  attempts?: number;
  /** Delay before retry n (1-based). */
  backoffMs?: (attempt: number) => number;
};

export function createHttpRegistrar(options: HttpRegistrarOptions): Registrar {
  const base = new URL(options.baseUrl.endsWith("/") ? options.baseUrl : `${options.baseUrl}/`);
  const attempts = options.attempts ?? 3;
  const backoff = options.backoffMs ?? ((attempt) => 250 * 4 ** (attempt - 1));

  async function request<T>(method: string, relative: string, payload?: unknown): Promise<T | null> {
    const url = new URL(relative, base);
    const body = payload === undefined ? "" : JSON.stringify(payload);
    for (let attempt = 1; ; attempt++) {
      const headers: Record<string, string> = {
        [SIGNATURE_HEADER]: sign(options.secret, Math.floor(Date.now() / 1000), method, url.pathname, body),
        accept: "application/json",
      };
      if (body) headers["content-type"] = "application/json";
      let retryable: RegistrarHttpError;
      try {
        const response = await fetch(url, {
          method,
          headers,
          body: body || undefined,
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
        if (response.ok) return response.status === 204 ? null : ((await response.json()) as T);
        const text = (await response.text()).slice(0, 300);
        const error = new RegistrarHttpError(
          `${method} ${url.pathname} answered ${response.status}: ${text}`,
          response.status,
        );
        if (response.status < 500) throw error;
        retryable = error;
      } catch (error) {
        if (error instanceof RegistrarHttpError && error.status !== null && error.status < 500) throw error;
        retryable =
          error instanceof RegistrarHttpError
            ? error
            : new RegistrarHttpError(
                `${method} ${url.pathname} failed: ${error instanceof Error ? error.message : error}`,
                null,
              );
      }
      if (attempt >= attempts) throw retryable;
      await new Promise((resolve) => setTimeout(resolve, backoff(attempt)));
    }
  }

  const subscriberPath = (username: string) => `subscribers/${encodeURIComponent(username)}`;

  async function put(input: Subscriber) {
    const subscriber = validateSubscriber(input);
    try {
      await request("PUT", subscriberPath(subscriber.username), subscriber);
    } catch (error) {
      // The receiver refuses the subscriber as sent: retrying the same data cannot help.
      if (error instanceof RegistrarHttpError && REFUSED_DATA.includes(error.status ?? 0)) {
        throw new RegistrarValidationError(error.message);
      }
      throw error;
    }
  }
  async function remove(username: string) {
    await request("DELETE", subscriberPath(username));
  }

  return {
    put,
    remove,
    async apply(changes) {
      // The API takes one subscriber per request: a few requests at a time, each change's refusal its own. An outage
      // fails the batch: no lane starts another request, and the failure is reported once the requests already sent
      // have their answers, so none lands after the sync has let go of its trunks (a newer sync may write them then).
      const results: (Error | null)[] = changes.map(() => null);
      let next = 0;
      let failed = false;
      const lane = async () => {
        for (let index = next++; !failed && index < changes.length; index = next++) {
          const change = changes[index] as SubscriberChange;
          try {
            await ("remove" in change ? remove(change.remove) : put(change.put));
          } catch (error) {
            if (!(error instanceof RegistrarValidationError)) {
              failed = true;
              throw error;
            }
            results[index] = error;
          }
        }
      };
      await settleAll(Array.from({ length: Math.min(APPLY_PARALLELISM, changes.length) }, lane));
      return results;
    },
    async snapshots(usernames) {
      if (usernames.length === 0) return [];
      return (await request<RegistrarSnapshot[]>("POST", "subscribers/search", { usernames })) ?? [];
    },
    async usernames(after, limit) {
      return (await request<string[]>("POST", "subscribers/usernames", { after, limit })) ?? [];
    },
    async registrations(usernames) {
      const found = new Map<string, Registration[]>(usernames.map((username) => [username, []]));
      if (usernames.length === 0) return found;
      const rows =
        (await request<(Omit<Registration, "expiresAt"> & { expiresAt: string })[]>("POST", "registrations/search", {
          usernames,
        })) ?? [];
      for (const row of rows) {
        // Older receivers may omit requestedHost.
        found
          .get(row.username)
          ?.push({ ...row, requestedHost: row.requestedHost ?? null, expiresAt: new Date(row.expiresAt) });
      }
      return found;
    },
    async putProviderPolicy(policy) {
      await request("PUT", "provider-policy", validateProviderPolicy(policy));
    },
    async callRecords(query) {
      const search = new URLSearchParams({ limit: String(query.limit) });
      if (query.outcome) search.set("outcome", query.outcome);
      if (query.before) search.set("before", `${query.before.at.toISOString()},${query.before.id}`);
      const rows =
        (await request<(Omit<CallRecord, "at" | "endedAt"> & { at: string; endedAt: string | null })[]>(
          "GET",
          `${subscriberPath(query.username)}/calls?${search}`,
        )) ?? [];
      return rows.map((row) => ({ ...row, at: new Date(row.at), endedAt: row.endedAt ? new Date(row.endedAt) : null }));
    },
    async refusals(query) {
      const search = new URLSearchParams({ since: query.since.toISOString() });
      for (const reason of query.reasons) search.append("reason", reason);
      const rows = (await request<(Omit<Refusal, "at"> & { at: string })[]>("GET", `refusals?${search}`)) ?? [];
      return rows.map((row) => ({ ...row, at: new Date(row.at) }));
    },
    async authFailures(query) {
      const search = new URLSearchParams({ since: query.since.toISOString(), atLeast: String(query.atLeast) });
      const rows =
        (await request<(Omit<AuthFailureCount, "firstAt" | "lastAt"> & { firstAt: string; lastAt: string })[]>(
          "GET",
          `auth-failures?${search}`,
        )) ?? [];
      return rows.map((row) => ({ ...row, firstAt: new Date(row.firstAt), lastAt: new Date(row.lastAt) }));
    },
    async purgeRecords(before) {
      // A POST with the date in the signed body: a query string is not covered by the signature.
      const answer = await request<{ deleted: number }>("POST", "records/purge", { before: before.toISOString() });
      return answer?.deleted ?? 0;
    },
    async registeredUsernames() {
      try {
        return (await request<string[]>("GET", "registrations")) ?? [];
      } catch (error) {
        // GET /registrations is optional: without it the portal cannot tell when PBXs register.
        if (error instanceof RegistrarHttpError && error.status === 404) return null;
        throw error;
      }
    },
    async status() {
      try {
        const body = await request<{ liveRegistrations?: unknown }>("GET", "status");
        const live = body?.liveRegistrations;
        return { liveRegistrations: typeof live === "number" ? live : null };
      } catch (error) {
        // A receiver without GET /status (it is optional) answered all the same; it just cannot count.
        if (error instanceof RegistrarHttpError && error.status === 404) return { liveRegistrations: null };
        throw error;
      }
    },
    async close() {},
  };
}
