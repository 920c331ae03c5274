import { z } from "zod";
import {
  callerIdName,
  callerIdPolicy,
  callLimit,
  callsPerDayLimit,
  callsPerSecondLimit,
  countryCode,
  dialPermission,
  e164,
  hasControlCharacters,
  hostname,
  minutesPerDayLimit,
  numberPrefix,
  realm,
} from "../validation";
import type { ProviderPolicy, Subscriber } from "./types";

/**
 * What every registrar adapter accepts, built from the very schemas the forms and commands use (lib/validation.ts):
 * a value the portal saved can always be provisioned, and one an adapter would refuse cannot be saved.
 */
const HASH = /^[0-9a-f]{32}(?:[0-9a-f]{32})?$/; // MD5 (32) or SHA-256 (64) hex

export const subscriberSchema = z
  .object({
    username: z.string().regex(/^[A-Za-z0-9._~+-]{1,64}$/, "username must be 1-64 characters of [A-Za-z0-9._~+-]"),
    enabled: z.boolean(),
    credentials: z.array(
      z.object({
        realm,
        ha1: z.string().toLowerCase().regex(HASH, "ha1 must be a hex digest"),
        ha1b: z.string().toLowerCase().regex(HASH, "ha1b must be a hex digest"),
      }),
    ),
    attributes: z.object({
      callLimit,
      dialPermission,
      allowedCountries: z.array(countryCode).transform((codes) => [...new Set(codes)].sort()),
      callerIdPolicy,
      forcedCallerId: e164.nullable(),
      forcedCallerIdName: callerIdName.nullable(),
      dids: z.array(e164).transform((numbers) => [...new Set(numbers)]),
      // Fraud guard (absent or null: no limit).
      maxCallsPerSecond: callsPerSecondLimit.nullish(),
      maxCallsPerDay: callsPerDayLimit.nullish(),
      maxMinutesPerDay: minutesPerDayLimit.nullish(),
      outboundSuspended: z
        .string()
        .min(1)
        .max(128)
        .refine((value) => !hasControlCharacters(value), "no control characters")
        .nullish(),
      capCountingSince: z.number().int().nonnegative().nullish(),
    }),
  })
  .superRefine((subscriber, ctx) => {
    const realms = subscriber.credentials.map((credential) => credential.realm);
    const twice = realms.find((name, i) => realms.indexOf(name) !== i);
    if (twice) ctx.addIssue({ code: "custom", path: ["credentials"], message: `realm ${twice} listed twice` });
    if (subscriber.attributes.callerIdPolicy === "FORCED" && !subscriber.attributes.forcedCallerId) {
      ctx.addIssue({ code: "custom", path: ["attributes", "forcedCallerId"], message: "FORCED needs forcedCallerId" });
    }
  });

/** The registrar refuses this data: retrying cannot help, the trunk needs a person's attention. */
export class RegistrarValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RegistrarValidationError";
  }
}

/** Checks a subscriber before anything is written: a bad value would otherwise silently change call routing. */
export function validateSubscriber(subscriber: Subscriber): Subscriber {
  const parsed = subscriberSchema.safeParse(subscriber);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "subscriber"}: ${issue.message}`);
  throw new RegistrarValidationError(`subscriber ${JSON.stringify(subscriber.username)}: ${problems.join("; ")}`);
}

/** The provider-wide rules every adapter accepts, from the same schemas as the servers and settings forms. */
export const providerPolicySchema = z.object({
  serverNames: z
    .array(hostname)
    .transform((names) => [...new Set(names)])
    // Two spellings of one name: a call to either would look like the other one's casing mistake.
    .refine(
      (names) => new Set(names.map((name) => name.toLowerCase())).size === names.length,
      "server names must differ by more than their casing",
    ),
  blockedPrefixes: z.array(numberPrefix).transform((prefixes) => [...new Set(prefixes)]),
});

/** Checks the provider policy before anything is written (same refusal as for a subscriber: retrying cannot help). */
export function validateProviderPolicy(policy: ProviderPolicy): ProviderPolicy {
  const parsed = providerPolicySchema.safeParse(policy);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "policy"}: ${issue.message}`);
  throw new RegistrarValidationError(`provider policy: ${problems.join("; ")}`);
}
