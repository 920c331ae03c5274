import { type CountryCode, getCountries, getCountryCallingCode, Metadata } from "libphonenumber-js/max";
import metadataJson from "libphonenumber-js/max/metadata";
import { DigitPattern, type DigitSet, digitSet, type States } from "./digit-patterns";
import generatedPlan from "./numbering-plan.generated.json";

/**
 * Which country owns which dialled numbers, derived from libphonenumber's metadata (never written by hand): the
 * registrar needs it as prefix lists because it cannot run the library. For every country calling code, the
 * national-number prefixes that belong to each country; a calling code used by one country is one rule with an
 * empty prefix. Countries sharing a code are told apart as libphonenumber does (leading digits, then number
 * patterns): NANP members by area code, Kazakhstan from Russia, the Vatican from Italy, and so on.
 */
export type PrefixRule = {
  /** National-number digits after the calling code ("" = the whole calling code). */
  prefix: string;
  country: CountryCode;
};
export type CallingCodePlan = { callingCode: string; rules: PrefixRule[] };
export type NumberingPlan = {
  callingCodes: CallingCodePlan[];
  /** NANP area codes of premium-rate numbers (900): only an unrestricted trunk may call them. */
  nanpPremiumRate: string[];
};

const NUMBER_TYPES = [
  "FIXED_LINE",
  "MOBILE",
  "TOLL_FREE",
  "PREMIUM_RATE",
  "SHARED_COST",
  "VOIP",
  "PERSONAL_NUMBER",
  "PAGER",
  "UAN",
  "VOICEMAIL",
] as const;

/** The parts of libphonenumber's metadata API used here (`type()` is not in its type declarations). */
type PlanMetadata = {
  leadingDigits(): string | undefined;
  type(name: string): { pattern(): string } | undefined;
};

type CountryPatterns = {
  country: CountryCode;
  /** libphonenumber's shortcut: a number starting with these digits is this country's, whatever follows. */
  leadingDigits: DigitPattern | null;
  /** Every number type's pattern (fixed line, mobile, toll free…): a number of the country matches one of them. */
  numbers: DigitPattern;
  premiumRate: DigitPattern | null;
  /** Every type but premium rate. */
  ordinary: DigitPattern;
};

function countryPatterns(country: CountryCode): CountryPatterns {
  const metadata = new Metadata();
  metadata.selectNumberingPlan(country);
  const plan = metadata.numberingPlan as unknown as PlanMetadata;
  const union = (types: readonly string[]) =>
    new DigitPattern(
      types
        .map((name) => plan.type(name)?.pattern())
        .filter((source) => source)
        .map((source) => `(?:${source})`)
        .join("|"),
    );
  const leadingDigits = plan.leadingDigits();
  return {
    country,
    leadingDigits: leadingDigits ? new DigitPattern(leadingDigits) : null,
    numbers: union(NUMBER_TYPES),
    premiumRate: plan.type("PREMIUM_RATE")?.pattern() ? union(["PREMIUM_RATE"]) : null,
    ordinary: union(NUMBER_TYPES.filter((name) => name !== "PREMIUM_RATE")),
  };
}

/** A country that may still own numbers starting with the prefix walked so far, and where its patterns stand. */
type Candidate = { patterns: CountryPatterns; leadingDigits: States | "matched" | null; numbers: States };

/** NANP numbers: area code and exchange start with 2-9 (a number breaking that never reaches a country). */
const NANP_DIGITS: readonly (DigitSet | undefined)[] = [
  digitSet("23456789"),
  undefined,
  undefined,
  digitSet("23456789"),
];
const NANP_AREA_CODE_LENGTH = 3;
/** How deep to look for the prefix that tells countries sharing a calling code apart. */
const MAX_PREFIX_LENGTH = 6;

/**
 * Walks the tree of national-number prefixes for one calling code, in libphonenumber's own order: the first country
 * (the "main" one) whose leading digits or number patterns match owns the number. A prefix is settled as soon as one
 * country is left, or when a country's leading digits match and no earlier country could claim the number.
 */
function rulesFor(countries: CountryPatterns[], constraints: readonly (DigitSet | undefined)[], maxLength: number) {
  if (countries.length === 1) return [{ prefix: "", country: (countries[0] as CountryPatterns).country }];
  /** The rules for numbers starting with `prefix`; ten children owned alike become one rule for the prefix. */
  const visit = (prefix: string, candidates: Candidate[]): PrefixRule[] => {
    // The digit after the prefix, when the constraints say something about it (a NANP exchange starts with 2-9).
    const next = constraints[prefix.length];
    const possible: Candidate[] = [];
    for (const candidate of candidates) {
      const { leadingDigits, numbers, patterns } = candidate;
      if (leadingDigits === "matched" || (leadingDigits && patterns.leadingDigits?.matched(leadingDigits))) {
        if (possible.length === 0) return [{ prefix, country: patterns.country }];
        possible.push({ ...candidate, leadingDigits: "matched" });
        break;
      }
      const states = leadingDigits ?? numbers;
      const pattern = (leadingDigits ? patterns.leadingDigits : patterns.numbers) as DigitPattern;
      if (states.length > 0 && (next === undefined || pattern.step(states, next).length > 0)) possible.push(candidate);
    }
    if (possible.length === 0) return [];
    if (possible.length === 1 || prefix.length >= maxLength) {
      // Where numbering plans overlap all the way down (the NANP's shared toll-free codes, Australia's mobiles on
      // its islands), libphonenumber gives the first country: so does this.
      return [{ prefix, country: (possible[0] as Candidate).patterns.country }];
    }
    const children: PrefixRule[][] = [];
    for (let digit = 0; digit <= 9; digit++) {
      if (next !== undefined && !(next & (1 << digit))) continue;
      children.push(
        visit(
          `${prefix}${digit}`,
          possible.map((candidate) => ({
            patterns: candidate.patterns,
            leadingDigits:
              candidate.leadingDigits === "matched" || candidate.leadingDigits === null
                ? candidate.leadingDigits
                : (candidate.patterns.leadingDigits as DigitPattern).step(candidate.leadingDigits, 1 << digit),
            numbers: candidate.patterns.numbers.step(candidate.numbers, 1 << digit),
          })),
        ),
      );
    }
    const owner = (rules: PrefixRule[]) => (rules.length === 1 ? (rules[0] as PrefixRule).country : null);
    const first = owner(children[0] ?? []);
    if (children.length === 10 && first !== null && children.every((rules) => owner(rules) === first)) {
      return [{ prefix, country: first }];
    }
    return children.flat();
  };
  return visit(
    "",
    countries.map((patterns) => ({
      patterns,
      leadingDigits: patterns.leadingDigits?.start() ?? null,
      numbers: patterns.numbers.start(),
    })),
  );
}

/** Computes the whole numbering plan from the installed libphonenumber-js metadata. */
export function numberingPlan(): NumberingPlan {
  const byCode = new Map<string, CountryPatterns[]>();
  // The metadata lists each calling code's countries main country first: keep that order, it breaks ties.
  const codes = (metadataJson as { country_calling_codes: Record<string, CountryCode[]> }).country_calling_codes;
  for (const [callingCode, countries] of Object.entries(codes)) {
    byCode.set(callingCode, countries.filter((country) => getCountries().includes(country)).map(countryPatterns));
  }
  const callingCodes: CallingCodePlan[] = [];
  for (const [callingCode, countries] of byCode) {
    if (countries.length === 0) continue;
    const nanp = callingCode === "1";
    callingCodes.push({
      callingCode,
      rules: rulesFor(countries, nanp ? NANP_DIGITS : [], nanp ? NANP_AREA_CODE_LENGTH : MAX_PREFIX_LENGTH),
    });
  }
  callingCodes.sort((a, b) => a.callingCode.localeCompare(b.callingCode));

  const nanp = byCode.get("1") ?? [];
  const nanpPremiumRate: string[] = [];
  for (let areaCode = 200; areaCode <= 999; areaCode++) {
    const matches = (pattern: DigitPattern | null) =>
      pattern !== null && pattern.step(pattern.feed(String(areaCode)), NANP_DIGITS[3] as DigitSet).length > 0;
    // A whole area code of premium-rate numbers (900), not an area code that also has some (Barbados' 246 976).
    if (nanp.some((country) => matches(country.premiumRate)) && !nanp.some((country) => matches(country.ordinary))) {
      nanpPremiumRate.push(String(areaCode));
    }
  }
  return { callingCodes, nanpPremiumRate };
}

/**
 * The owner of an E.164 number ("+…") under `plan`, as registrar/kamailio/dialplan.cfg's route[DESTINATION_COUNTRY]
 * finds it from the same rules: the country (null when none owns the number) and whether it is NANP premium rate.
 */
export function destinationOf(plan: NumberingPlan, e164: string): { country: CountryCode | null; premium: boolean } {
  const digits = e164.slice(1);
  const code = plan.callingCodes.find(({ callingCode }) => digits.startsWith(callingCode));
  if (!code) return { country: null, premium: false };
  const national = digits.slice(code.callingCode.length);
  return {
    country: code.rules.find((rule) => national.startsWith(rule.prefix))?.country ?? null,
    premium: code.callingCode === "1" && plan.nanpPremiumRate.some((areaCode) => national.startsWith(areaCode)),
  };
}

/**
 * numberingPlan() as `npm run registrar:dialplan` last wrote it, beside registrar/kamailio/dialplan.cfg: computing it
 * takes seconds of CPU, which a request (the packet check) must not wait for. lib/registrar/dialplan.test.ts fails
 * until the file matches the installed libphonenumber-js.
 */
export const generatedNumberingPlan = generatedPlan as NumberingPlan;

export { getCountryCallingCode };
