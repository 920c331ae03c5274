import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import { z } from "zod";
import { passwordProblem } from "./auth/password-policy";
import { CallerIdPolicy, DialPermission } from "./generated/prisma/enums";
import { isDialableCountry } from "./trunks/countries";

/**
 * One schema per value: every form, command and registrar adapter validates with these, so a value one of them
 * would reject can never be saved by another (lib/registrar/subscriber.ts builds the registrar's checks from them).
 */

/**
 * Control characters never belong in what people type: a NUL cannot be stored by PostgreSQL, and CR, LF or a tab
 * in a caller-ID name or a subject line would break a SIP or mail header.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** The same, but line breaks and tabs are allowed (text areas). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL_CHARACTERS_BUT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

export const hasControlCharacters = (value: string, { multiline = false } = {}) =>
  (multiline ? CONTROL_CHARACTERS_BUT_LINES : CONTROL_CHARACTERS).test(value);

const NO_CONTROL_CHARACTERS = "Remove the tabs, line breaks or other invisible control characters.";

/** Trimmed single-line text: no control characters. */
const singleLine = (max: number, tooLong: string) =>
  z
    .string()
    .trim()
    .max(max, tooLong)
    .refine((value) => !hasControlCharacters(value), NO_CONTROL_CHARACTERS);

/** At most 254 characters (RFC 5321's limit), which also keeps it within PostgreSQL's index entry size. */
export const email = z
  .string({ error: "Enter an email address." })
  .trim()
  .toLowerCase()
  .max(254, "An email address has at most 254 characters.")
  .pipe(z.email({ error: "Enter a valid email address." }));

export const requiredText = (label: string, max = 200) =>
  z
    .string({ error: `Enter ${label}.` })
    .pipe(singleLine(max, `${label[0]?.toUpperCase()}${label.slice(1)} must be at most ${max} characters.`))
    .pipe(z.string().min(1, `Enter ${label}.`));

export const optionalText = (max = 200) =>
  z
    .string()
    .pipe(singleLine(max, `Must be at most ${max} characters.`))
    .optional()
    .transform((value) => (value ? value : null));

/** A search box or filter: text that cannot be stored is text nothing matches (null = match nothing). */
export function searchText(value: string | undefined, max = 200): string | null {
  const text = (value ?? "").trim();
  return hasControlCharacters(text) || text.length > max ? null : text;
}

/** A record id (cuid) from a form or URL. */
export const id = z
  .string({ error: "Missing id." })
  .trim()
  .min(1, "Missing id.")
  .max(64, "Unknown id.")
  .regex(/^[A-Za-z0-9_-]+$/, "Unknown id.");

/** True for a well-formed id: anything else (from a URL, say) names no record and must not reach a query. */
export const isId = (value: string) => id.safeParse(value).success;

/** An HTML checkbox: "on" when ticked, absent otherwise. */
export const checkbox = z
  .union([z.literal("on"), z.literal("true"), z.literal("false"), z.boolean()])
  .optional()
  .transform((value) => value === true || value === "on" || value === "true");

/** A phone number as the registrar stores it: E.164, "+" and 7-15 digits. */
export const e164 = z
  .string()
  .regex(/^\+[1-9][0-9]{6,14}$/, "Enter a phone number in international format, e.g. +19193333333.");

/**
 * A phone number as people type it, checked against the numbering plan of its country (libphonenumber) and turned
 * into E.164: "+44 20 7946 0958", "011 44 20 7946 0958", "(919) 333-3333" and "1 919 333 3333" (North American
 * national formats) all work.
 */
export function toE164(input: string): string | null {
  if (hasControlCharacters(input)) return null;
  const parsed = parsePhoneNumberFromString(input.trim(), "US");
  return parsed?.isValid() ? parsed.number : null;
}

const PHONE_NUMBER_HINT = "Enter a valid phone number in international format, e.g. +19193333333.";

export const phoneNumber = z
  .string({ error: "Enter a phone number." })
  .trim()
  .transform((value, ctx) => {
    const number = toE164(value);
    if (!number) {
      ctx.addIssue({ code: "custom", message: PHONE_NUMBER_HINT });
      return z.NEVER;
    }
    return number;
  })
  .pipe(e164);

/** An optional phone number: empty gives null. */
export const optionalPhoneNumber = z
  .string()
  .trim()
  .optional()
  .transform((value) => value || undefined)
  .pipe(phoneNumber.optional())
  .transform((value) => value ?? null);

/** A newline- or comma-separated list of phone numbers, de-duplicated. */
export const phoneNumberList = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((value, ctx) => {
    const entries = (Array.isArray(value) ? value : (value ?? "").split(/[\n,;]+/))
      .map((entry) => entry.trim())
      .filter(Boolean);
    const numbers: string[] = [];
    for (const entry of entries) {
      const number = toE164(entry);
      if (!number) {
        ctx.addIssue({ code: "custom", message: `"${entry}" is not a valid phone number; use e.g. +19193333333.` });
        continue;
      }
      if (!numbers.includes(number)) numbers.push(number);
    }
    return numbers;
  })
  .pipe(z.array(e164));

/** The start of E.164 numbers ("+882"), as the registrar's block list matches them. */
export const numberPrefix = z
  .string()
  .regex(/^\+[1-9][0-9]{0,14}$/, { error: (issue) => `"${String(issue.input)}" is not a number prefix like +882.` });

/** Number prefixes from a comma- or space-separated list ("+882, +883") or a list, de-duplicated. */
export const numberPrefixList = z
  .union([z.string().max(2000, "List at most 2000 characters of prefixes."), z.array(z.string()).max(200)])
  .transform((value) => [
    ...new Set((Array.isArray(value) ? value : value.split(/[\s,;]+/)).map((entry) => entry.trim()).filter(Boolean)),
  ])
  .pipe(z.array(numberPrefix));

/** A decimal number as text, as a form field sends it ("12", " 12 ", "-1", "2.5"). */
const DECIMAL = /^\s*-?\d+(\.\d+)?\s*$/;

/**
 * A number from a form field (text) or a JSON body (a number), checked by `schema`. Stricter than z.coerce, which
 * reads true as 1, [] or "" as 0, "0x10" as 16 and "1e3" as 1000: those get the schema's own "Enter a number" error.
 */
export const formNumber = <T extends z.ZodNumber>(schema: T) =>
  z.preprocess((value) => (typeof value === "string" && DECIMAL.test(value) ? Number(value) : value), schema);

/** A fraud-guard limit of a trunk, enforced by the registrar: a whole number up to `max`. */
const fraudLimit = (max: number) =>
  z
    .number({ error: "Enter a whole number." })
    .int("Enter a whole number.")
    .min(1, "The limit must be at least 1.")
    .max(max, `The limit can be at most ${max}.`);
export const callsPerSecondLimit = fraudLimit(1000);
export const callsPerDayLimit = fraudLimit(1_000_000);
export const minutesPerDayLimit = fraudLimit(1_000_000);

/**
 * A number's form field that may be left empty: empty (or blank, or absent) means null (no limit, no expiry). Anything
 * else gets `schema`'s own errors ("Enter a whole number."), not a union's "Invalid input".
 */
export const optionalNumber = (schema: z.ZodNumber) =>
  z
    .preprocess(
      (value) => (typeof value === "string" && value.trim() === "" ? undefined : value),
      formNumber(schema).optional(),
    )
    .transform((value) => value ?? null);

/** The name shown with a forced caller ID: it becomes a SIP display name, so one plain line. */
export const callerIdName = z
  .string()
  .pipe(singleLine(40, "The caller ID name can be at most 40 characters."))
  .optional()
  .transform((value) => value || null);

export const callLimit = formNumber(
  z
    .number({ error: "Enter a number of calls." })
    .int("Enter a whole number of calls.")
    .min(1, "The call limit must be at least 1.")
    .max(1000, "The call limit can be at most 1000."),
);

export const dialPermission = z.enum(DialPermission, {
  error: "Choose a dial permission.",
});
export const callerIdPolicy = z.enum(CallerIdPolicy, { error: "Choose a caller ID policy." });

/** An ISO 3166-1 alpha-2 country the dial plan knows (every country libphonenumber knows). */
export const countryCode = z.string().refine(isDialableCountry, {
  error: (issue) => `"${String(issue.input)}" is not a country code the dial plan knows.`,
});

/** Countries from a comma- or space-separated list ("US, CA") or a list, upper-cased and de-duplicated. */
export const countryList = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((value) =>
    [
      ...new Set(
        (Array.isArray(value) ? value : (value ?? "").split(/[\s,;]+/))
          .map((entry) => entry.trim().toUpperCase())
          .filter(Boolean),
      ),
    ].sort(),
  )
  .pipe(z.array(countryCode));

const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

const dnsName = (what: string, max: number, example: string) =>
  z
    .string({ error: `Enter a ${what}.` })
    .trim()
    .min(1, `Enter a ${what}.`)
    .max(max, `A ${what} has at most ${max} characters.`)
    .regex(HOSTNAME, `Enter a ${what} such as ${example} (letters, digits, dots and dashes).`);

/** A DNS hostname, kept exactly as typed: the provider's hostnames are case-sensitive. */
export const hostname = dnsName("hostname", 253, "Sip1.example.net");

/** A digest realm: a hostname that fits the registrar's domain column (64 characters). */
export const realm = dnsName("realm", 64, "sip1.example.net");

/** A new staff password: long enough and not a common one (./auth/password-policy). */
export const staffPassword = z.string({ error: "Enter a password." }).superRefine((value, ctx) => {
  const problem = passwordProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

export const page = z.coerce.number().int().min(1).catch(1);
