import { readFileSync } from "node:fs";
import { type CountryCode, getCountries, getExampleNumber, parsePhoneNumberFromString } from "libphonenumber-js/max";
import examples from "libphonenumber-js/mobile/examples";
import { describe, expect, it } from "vitest";
import { destinationOf, type NumberingPlan, numberingPlan } from "../phone/numbering-plan";
import { DIALPLAN_CFG, generateDialPlanCfg, prefixRegex } from "./dialplan";

/** What route[DESTINATION_COUNTRY] does, over the same rules: the owner of an E.164 number, or null. */
const ownerOf = (plan: NumberingPlan, e164: string) => destinationOf(plan, e164).country;

const plan = numberingPlan();

describe("registrar/kamailio/dialplan.cfg", () => {
  it("is what `npm run registrar:dialplan` generates from the installed libphonenumber-js", () => {
    // After upgrading libphonenumber-js, run `npm run registrar:dialplan` and commit the result.
    expect(readFileSync(DIALPLAN_CFG, "utf8")).toBe(generateDialPlanCfg());
  });

  it("turns prefix lists into POSIX regular expressions that match exactly those prefixes", () => {
    const regex = prefixRegex(["204", "226", "236", "21", "9"]);
    expect(regex).toBe("^(2(04|1|[23]6)|9)");
    const matches = (value: string) => new RegExp(regex).test(value);
    for (const yes of ["2045550100", "2125550100", "2365550100", "9"]) expect(matches(yes), yes).toBe(true);
    for (const no of ["2055550100", "2465550100", "8"]) expect(matches(no), no).toBe(false);
  });
});

describe("the numbering plan behind it", () => {
  it("keeps every NANP member apart by area code", () => {
    expect(ownerOf(plan, "+14165550100")).toBe("CA"); // Toronto
    expect(ownerOf(plan, "+12125550100")).toBe("US"); // New York
    expect(ownerOf(plan, "+12425550100")).toBe("BS"); // the Bahamas
    expect(ownerOf(plan, "+18765550100")).toBe("JM");
    expect(ownerOf(plan, "+17875550100")).toBe("PR");
    expect(ownerOf(plan, "+18005550100")).toBe("US"); // shared toll free: libphonenumber's main country
    expect(ownerOf(plan, "+13705550100")).toBeNull(); // no country has area code 370
    expect(plan.nanpPremiumRate).toEqual(["900"]);
  });

  it("gives every NANP area code the country libphonenumber gives its numbers", () => {
    for (let areaCode = 200; areaCode <= 999; areaCode++) {
      for (const exchange of ["234", "555", "789"]) {
        const parsed = parsePhoneNumberFromString(`+1${areaCode}${exchange}0123`);
        if (parsed?.isValid()) expect(ownerOf(plan, parsed.number), parsed.number).toBe(parsed.country);
      }
    }
  });

  it("gives every country's example number the country libphonenumber gives it", () => {
    const owners = new Set<string | null>();
    for (const country of getCountries()) {
      const example = getExampleNumber(country, examples);
      if (!example) continue;
      // Shared mobile ranges (Åland's are Finland's) belong to the calling code's main country, as in libphonenumber.
      const expected = parsePhoneNumberFromString(example.number)?.country;
      expect(ownerOf(plan, example.number), `${country} ${example.number}`).toBe(expected);
      owners.add(expected ?? null);
    }
    expect(owners.size).toBeGreaterThan(230);
  });

  it("agrees with libphonenumber on random numbers of the calling codes countries share", () => {
    let random = 42;
    const digit = () => {
      random = (random * 1103515245 + 12345) % 2 ** 31;
      return String(random % 10);
    };
    let checked = 0;
    for (const { callingCode, rules } of plan.callingCodes.filter((code) => code.rules.length > 1)) {
      for (let i = 0; i < 3000; i++) {
        // Start from a rule's prefix now and then, so the small countries' ranges are hit too.
        const rule = rules[i % rules.length];
        const start = i % 2 === 0 ? (rule?.prefix ?? "") : "";
        const length = 6 + (i % 6);
        const national = start + Array.from({ length: Math.max(0, length - start.length) }, digit).join("");
        const parsed = parsePhoneNumberFromString(`+${callingCode}${national}`);
        if (!parsed?.isValid() || !parsed.country) continue;
        expect(ownerOf(plan, parsed.number), parsed.number).toBe(parsed.country as CountryCode);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });
});
