import { z } from "zod";
import { passwordProblem } from "./auth/password-policy";
import { COUNTRY_CALLING_CODES } from "./trunks/countries";

/** Shared field schemas: every form and command validates with these, so a rule lives in one place. */

export const email = z
  .string({ error: "Enter an email address." })
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: "Enter a valid email address." }));

export const requiredText = (label: string, max = 200) =>
  z
    .string({ error: `Enter ${label}.` })
    .trim()
    .min(1, `Enter ${label}.`)
    .max(max, `${label[0]?.toUpperCase()}${label.slice(1)} must be at most ${max} characters.`);

export const optionalText = (max = 200) =>
  z
    .string()
    .trim()
    .max(max, `Must be at most ${max} characters.`)
    .optional()
    .transform((value) => (value ? value : null));

export const id = z.string().trim().min(1, "Missing id.").max(64);

/** An HTML checkbox: "on" when ticked, absent otherwise. */
export const checkbox = z
  .union([z.literal("on"), z.literal("true"), z.literal("false"), z.boolean()])
  .optional()
  .transform((value) => value === true || value === "on" || value === "true");

/**
 * A phone number in E.164. Accepts what people type: "+44 20 7946 0958", "(919) 333-3333" and "19193333333" are
 * read as North American when they have 10 digits, or 11 starting with 1.
 */
export function toE164(input: string): string | null {
  const trimmed = input.trim();
  const digits = trimmed.replace(/[\s().-]/g, "");
  if (/^\+[1-9]\d{6,14}$/.test(digits)) return digits;
  if (/^\d{10}$/.test(digits) && /^[2-9]\d{2}[2-9]/.test(digits)) return `+1${digits}`;
  if (/^1\d{10}$/.test(digits) && /^1[2-9]\d{2}[2-9]/.test(digits)) return `+${digits}`;
  return null;
}

export const phoneNumber = z
  .string({ error: "Enter a phone number." })
  .trim()
  .transform((value, ctx) => {
    const e164 = toE164(value);
    if (!e164) {
      ctx.addIssue({ code: "custom", message: "Enter a phone number in international format, e.g. +19193333333." });
      return z.NEVER;
    }
    return e164;
  });

/** A newline- or comma-separated list of phone numbers, de-duplicated. */
export const phoneNumberList = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const entries = (value ?? "")
      .split(/[\n,;]+/)
      .map((entry) => entry.trim())
      .filter(Boolean);
    const numbers: string[] = [];
    for (const entry of entries) {
      const e164 = toE164(entry);
      if (!e164) {
        ctx.addIssue({ code: "custom", message: `"${entry}" is not a phone number; use e.g. +19193333333.` });
        continue;
      }
      if (!numbers.includes(e164)) numbers.push(e164);
    }
    return numbers;
  });

export const callLimit = z.coerce
  .number({ error: "Enter a number of calls." })
  .int("Enter a whole number of calls.")
  .min(1, "The call limit must be at least 1.")
  .max(1000, "The call limit can be at most 1000.");

export const dialPermission = z.enum(["US_ONLY", "US_CANADA", "COUNTRIES", "INTERNATIONAL"], {
  error: "Choose a dial permission.",
});
export const callerIdPolicy = z.enum(["FORCED", "OWN_DIDS"], { error: "Choose a caller ID policy." });

/** ISO 3166 alpha-2 codes from a comma- or space-separated list, limited to the countries the dial plan knows. */
export const countryList = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((value, ctx) => {
    const entries = (Array.isArray(value) ? value : (value ?? "").split(/[\s,;]+/))
      .map((entry) => entry.trim().toUpperCase())
      .filter(Boolean);
    for (const code of entries) {
      if (!(code in COUNTRY_CALLING_CODES)) {
        ctx.addIssue({ code: "custom", message: `"${code}" is not a country code the dial plan knows.` });
      }
    }
    return [...new Set(entries)];
  });

/** A DNS hostname, kept exactly as typed: the provider's hostnames are case-sensitive. */
export const hostname = z
  .string({ error: "Enter a hostname." })
  .trim()
  .min(1, "Enter a hostname.")
  .max(253)
  .regex(
    /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/,
    "Enter a hostname such as Sip1.example.net (letters, digits, dots and dashes).",
  );

/** A new staff password: long enough and not a common one (./auth/password-policy). */
export const staffPassword = z.string({ error: "Enter a password." }).superRefine((value, ctx) => {
  const problem = passwordProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

export const page = z.coerce.number().int().min(1).catch(1);
