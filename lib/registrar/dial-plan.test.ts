import { describe, expect, it } from "vitest";
import { mayCall, toRegistrarE164 } from "./dial-plan";

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

  it("applies each dial permission like kamailio.cfg", () => {
    expect(mayCall("+19195551234", "US_ONLY", [])).toBe(true);
    expect(mayCall("+16135551234", "US_ONLY", [])).toBe(false); // Canada
    expect(mayCall("+18765551234", "US_CANADA", [])).toBe(false); // Jamaica shares +1
    expect(mayCall("+16135551234", "US_CANADA", [])).toBe(true);
    expect(mayCall("+442071234567", "COUNTRIES", ["44"])).toBe(true);
    expect(mayCall("+492071234567", "COUNTRIES", ["44"])).toBe(false);
    expect(mayCall("+19005551234", "COUNTRIES", ["1"])).toBe(false); // premium rate
    expect(mayCall("+19005551234", "INTERNATIONAL", [])).toBe(true);
  });
});
