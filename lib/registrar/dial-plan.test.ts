import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { mayCall, toRegistrarE164, US_DOMESTIC_COUNTRIES } from "./dial-plan";

describe("the registrar's dial plan, for the packet check", () => {
  it("normalises what the registrar accepts and refuses the rest", () => {
    expect(toRegistrarE164("9195551234")).toBe("+19195551234");
    expect(toRegistrarE164("19195551234")).toBe("+19195551234");
    expect(toRegistrarE164("011442071234567")).toBe("+442071234567");
    expect(toRegistrarE164("+442071234567")).toBe("+442071234567");
    for (const invalid of ["99195551234", "5551234", "+19115551234", "4115551234", "+1919555123"]) {
      expect(toRegistrarE164(invalid), invalid).toBeNull();
    }
  });

  it("applies each dial permission like kamailio.cfg, with the countries of the generated dial plan", () => {
    expect(mayCall("+19195551234", "US_ONLY", [])).toBe(true);
    expect(mayCall("+17875551234", "US_ONLY", [])).toBe(true); // Puerto Rico shares the US dial plan
    expect(mayCall("+16135551234", "US_ONLY", [])).toBe(false); // Canada
    expect(mayCall("+18765551234", "US_CANADA", [])).toBe(false); // Jamaica shares +1
    expect(mayCall("+16135551234", "US_CANADA", [])).toBe(true);
    expect(mayCall("+442071234567", "COUNTRIES", ["GB"])).toBe(true);
    expect(mayCall("+492071234567", "COUNTRIES", ["GB"])).toBe(false);
    // Exact countries: the US does not open Canada, though both are +1.
    expect(mayCall("+14165550100", "COUNTRIES", ["US"])).toBe(false);
    expect(mayCall("+14165550100", "COUNTRIES", ["CA"])).toBe(true);
    expect(mayCall("+19005551234", "COUNTRIES", ["US"])).toBe(false); // premium rate
    expect(mayCall("+13705550100", "COUNTRIES", ["US"])).toBe(false); // an area code no country has
    expect(mayCall("+19005551234", "INTERNATIONAL", [])).toBe(true);
  });

  it("opens the same countries to US-only trunks as kamailio.cfg", () => {
    const cfg = readFileSync(new URL("../../registrar/kamailio/kamailio.cfg", import.meta.url), "utf8");
    const listed = /\$var\(country\) =~ "\^\(([A-Z|]+)\)\$"/.exec(cfg)?.[1]?.split("|");
    expect(listed?.sort()).toEqual([...US_DOMESTIC_COUNTRIES].sort());
  });
});
