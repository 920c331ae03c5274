import { z } from "zod";
import { parseTrustedProxies } from "./client-ip";

/**
 * Database connections per process. Every query's JavaScript runs on Node's one thread, so past ~10 connections a
 * process gains little throughput while PostgreSQL pays a backend process for each. See README "Configuration".
 */
export const DEFAULT_POOL_SIZE = 10;

const base64Key = z
  .string()
  .refine((value) => Buffer.from(value, "base64").length === 32, "must be 32 bytes encoded as base64");

const port = (fallback: number) =>
  z.coerce.number({ error: "must be a port number" }).int().min(1).max(65535).default(fallback);

const schema = z
  .object({
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgresql:// URL" }),
    DATABASE_POOL_SIZE: z.coerce
      .number({ error: "must be a number" })
      .int("must be a whole number")
      .min(2, "must be at least 2")
      .max(100, "must be at most 100")
      .default(DEFAULT_POOL_SIZE),
    AUTH_SECRET: z.string().min(32, "must be at least 32 characters (generate one with `openssl rand -base64 32`)"),
    CREDENTIAL_ENCRYPTION_KEY: base64Key,
    CREDENTIAL_PREVIOUS_KEYS: z
      .string()
      .optional()
      .transform((value) => (value ? value.split(",").map((key) => key.trim()) : []))
      .pipe(z.array(base64Key)),
    PORTAL_URL: z.url().default("http://localhost:3000"),
    REGISTRAR_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    /** One registrar's API, or several (comma-separated) that every change fans out to (lib/registrar/fanout.ts). */
    REGISTRAR_HTTP_URL: z
      .string()
      .optional()
      .transform((value) => (value ? value.split(",").map((url) => url.trim()) : undefined))
      .pipe(z.array(z.url({ protocol: /^https?$/, error: "must be http(s):// URLs, comma-separated" })).optional()),
    REGISTRAR_HTTP_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    REGISTRAR_RECONCILE_REMOVE_UNKNOWN: z
      .enum(["true", "false", "1", "0", ""])
      .optional()
      .transform((value) => value === "true" || value === "1"),
    SMTP_URL: z.url({ protocol: /^smtps?$/, error: "must be an smtp:// or smtps:// URL" }).optional(),
    /** The bearer token a Prometheus scraper sends for /api/metrics and the worker's metrics; unset: not served. */
    METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
    RETENTION_MAIL_BODY_DAYS: z.coerce.number({ error: "must be a number of days" }).int().min(1).optional(),
    RETENTION_SIGN_IN_FAILURE_DAYS: z.coerce.number({ error: "must be a number of days" }).int().min(1).optional(),
    /** Unset: the audit log is kept forever. */
    RETENTION_AUDIT_DAYS: z.coerce.number({ error: "must be a number of days" }).int().min(30).optional(),
    /** The worker serves its own metrics (GET /metrics, same token) on this port when set. */
    WORKER_METRICS_PORT: z.coerce.number({ error: "must be a port number" }).int().min(1).max(65535).optional(),
    MAIL_FROM: z.string().min(3).default("Trunk Portal <no-reply@localhost>"),
    /** Requests each API key may make per minute (lib/api). */
    API_RATE_LIMIT: z.coerce
      .number({ error: "must be a number" })
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .max(100_000, "must be at most 100000")
      .default(600),
    /** Hosts webhooks may reach over plain http (for testing); every other webhook URL is https (lib/webhooks). */
    WEBHOOK_HTTP_HOSTS: z
      .string()
      .optional()
      .transform((value) =>
        (value ?? "")
          .split(",")
          .map((host) => host.trim().toLowerCase())
          .filter(Boolean),
      ),
    /** Let webhooks reach private and loopback addresses (for testing; off by default). */
    WEBHOOK_ALLOW_PRIVATE_ADDRESSES: z
      .enum(["true", "false", "1", "0", ""])
      .optional()
      .transform((value) => value === "true" || value === "1"),
    TRUSTED_PROXIES: z
      .string()
      .optional()
      .transform((value, ctx) => {
        try {
          return parseTrustedProxies(value);
        } catch (error) {
          ctx.addIssue({ code: "custom", message: `${(error as Error).message} (use a hop count or a CIDR list)` });
          return z.NEVER;
        }
      }),
    // The SIP registrar `npm start` runs (lib/registrar/local-kamailio.ts).
    SIP_LISTEN: z.ipv4({ error: "must be an IPv4 address of this machine, e.g. 192.168.1.10" }).default("127.0.0.1"),
    SIP_PORT: port(5060),
    SIP_RPC_PORT: port(5071),
    /** Set by `npm start` for the web server: whether it runs Kamailio itself, or would but Kamailio is missing. */
    LOCAL_SIP_REGISTRAR: z.enum(["kamailio", "not-installed"]).optional(),
  })
  .refine((value) => Boolean(value.REGISTRAR_HTTP_URL) === Boolean(value.REGISTRAR_HTTP_SECRET), {
    path: ["REGISTRAR_HTTP_SECRET"],
    message: "REGISTRAR_HTTP_URL and REGISTRAR_HTTP_SECRET go together",
  });

export type Env = z.infer<typeof schema>;

/** Reads and checks the environment, naming every bad variable; start-up fails fast with this message. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  // A variable set to "" is an unset one: compose files and systemd units pass optional settings that way
  // (`SMTP_URL: ${SMTP_URL:-}`), and "" is never a valid URL, token or number anyway.
  const given = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ""));
  const result = schema.safeParse(given);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid configuration:\n${problems.join("\n")}`);
  }
  return result.data;
}

let cached: Env | undefined;
export function env(): Env {
  cached ??= parseEnv();
  return cached;
}

/** An absolute link into the portal. Every link the portal sends is built here, from PORTAL_URL only. */
export function portalUrl(path: string): string {
  return `${env().PORTAL_URL.replace(/\/+$/, "")}${path}`;
}
