import { describe, expect, it } from "vitest";
import { validateSubscriber } from "./registrar/subscriber";
import type { Subscriber } from "./registrar/types";
import { trunkSettings } from "./trunks/schema";
import {
  callerIdName,
  callLimit,
  callsPerDayLimit,
  countryList,
  id,
  optionalNumber,
  optionalText,
  phoneNumber,
  phoneNumberList,
  requiredText,
} from "./validation";

describe("phone numbers", () => {
  it.each([
    ["+44 20 7946 0958", "+442079460958"],
    ["011 44 20 7946 0958", "+442079460958"],
    ["(919) 333-3333", "+19193333333"],
    ["919.333.3333", "+19193333333"],
    ["1 919 333 3333", "+19193333333"],
    ["+1 (416) 555-0123", "+14165550123"],
  ])("reads %j as %s", (typed, e164) => {
    expect(phoneNumber.parse(typed)).toBe(e164);
  });

  it.each([
    "+1 370 555 0100", // no country has area code 370
    "+1 555 555 5555",
    "+44 12",
    "12345",
    "call me",
    "+1 919 333 3333\u0000",
  ])("refuses %j with a message", (typed) => {
    const result = phoneNumber.safeParse(typed);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/phone number/);
  });

  it("reads a list, one per line or comma-separated, without duplicates", () => {
    expect(phoneNumberList.parse("+19193333333\n(919) 333-3333, +442079460958")).toEqual([
      "+19193333333",
      "+442079460958",
    ]);
    expect(phoneNumberList.safeParse("+19193333333\n+1 370 555 0100").success).toBe(false);
  });
});

describe("countries", () => {
  it("takes any country the dial plan knows, each exactly, NANP members included", () => {
    expect(countryList.parse("us, CA pr;JM")).toEqual(["CA", "JM", "PR", "US"]);
    expect(countryList.parse(["GB", "gb"])).toEqual(["GB"]);
  });

  it("refuses codes that are not countries", () => {
    const result = countryList.safeParse("US, XX");
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('"XX" is not a country code the dial plan knows.');
  });
});

describe("numbers", () => {
  it("reads a form field's text and a JSON body's number alike", () => {
    expect(callLimit.parse("5")).toBe(5);
    expect(callLimit.parse(" 12 ")).toBe(12);
    expect(callLimit.parse(5)).toBe(5);
  });

  // Each wrapped in an object: it.each spreads an array into arguments.
  it.each([true, false, null, [], [7], {}, "", "  ", "0x10", "1e2", "5 calls", "Infinity"].map((value) => ({ value })))(
    "refuses $value as not a number, where z.coerce would read something",
    ({ value }) => {
      expect(callLimit.safeParse(value).error?.issues).toEqual([
        expect.objectContaining({ path: [], message: "Enter a number of calls." }),
      ]);
    },
  );

  it("still says what is wrong with a number", () => {
    expect(callLimit.safeParse("2.5").error?.issues[0]?.message).toBe("Enter a whole number of calls.");
    expect(callLimit.safeParse("-1").error?.issues[0]?.message).toBe("The call limit must be at least 1.");
    expect(callLimit.safeParse(1001).error?.issues[0]?.message).toBe("The call limit can be at most 1000.");
  });

  describe("a field that may be left empty (a fraud limit)", () => {
    const limit = optionalNumber(callsPerDayLimit);

    it.each(["", "   ", undefined].map((value) => ({ value })))("reads $value as no limit", ({ value }) => {
      expect(limit.parse(value)).toBeNull();
    });

    it("reads a number as the field's own schema does", () => {
      expect(limit.parse(" 250 ")).toBe(250);
      expect(limit.parse(250)).toBe(250);
      expect(limit.safeParse("0").error?.issues[0]?.message).toBe("The limit must be at least 1.");
    });

    // The schema's own message, as the form shows it beside the field; never a union's "Invalid input".
    it.each(["abc", "2.5", 2.5, true, null, [], "1e3", "0x10"].map((value) => ({ value })))(
      "refuses $value with the field's own message",
      ({ value }) => {
        expect(limit.safeParse(value).error?.issues).toEqual([
          expect.objectContaining({ path: [], message: "Enter a whole number." }),
        ]);
      },
    );
  });
});

describe("text", () => {
  it.each([
    ["a tab", "Front\tDesk"],
    ["a line break", "Front\r\nX-Injected: 1"],
    ["a NUL", "Front\u0000Desk"],
    ["a Unicode line separator", "Front\u2028Desk"],
  ])("a caller-ID name with %s is refused", (_what, name) => {
    const result = callerIdName.safeParse(name);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/control characters/);
  });

  it("names, companies and reasons refuse control characters too", () => {
    expect(requiredText("the company name").safeParse("Acme\u0000").success).toBe(false);
    expect(optionalText().safeParse("late\u0007").success).toBe(false);
    expect(requiredText("the company name").parse("  Acme [[secret:x]] {{y}}  ")).toBe("Acme [[secret:x]] {{y}}");
  });

  it("ids are plain tokens", () => {
    expect(id.parse("clx1abc_DEF-2")).toBe("clx1abc_DEF-2");
    expect(id.safeParse("abc\u0000").success).toBe(false);
    expect(id.safeParse("abc' OR 1=1").success).toBe(false);
  });
});

describe("what the form saves, the registrar accepts", () => {
  const form = {
    serverIds: "server1",
    callLimit: "5",
    dialPermission: "COUNTRIES",
    allowedCountries: "US, CA, PR",
    callerIdPolicy: "FORCED",
    forcedCallerId: "(919) 555-0100",
    forcedCallerIdName: "  Celito Demo  ",
    dids: "+19193333333\n(919) 333-4444",
  };

  it("assigns a server named twice once", () => {
    expect(trunkSettings.parse({ ...form, serverIds: ["server1", "server2", "server1"] }).serverIds).toEqual([
      "server1",
      "server2",
    ]);
  });

  it("turns a form into a subscriber the adapters' schema accepts unchanged", () => {
    const settings = trunkSettings.parse(form);
    const subscriber: Subscriber = {
      username: "acme123456",
      enabled: true,
      credentials: [{ realm: "sip1.example.net", ha1: "0".repeat(32), ha1b: "f".repeat(32) }],
      attributes: {
        callLimit: settings.callLimit,
        dialPermission: settings.dialPermission,
        allowedCountries: settings.allowedCountries,
        callerIdPolicy: settings.callerIdPolicy,
        forcedCallerId: settings.forcedCallerId,
        forcedCallerIdName: settings.forcedCallerIdName,
        dids: settings.dids,
      },
    };
    expect(validateSubscriber(subscriber)).toEqual(subscriber);
  });

  it("refuses at the form what the registrar would refuse, with a message on the field", () => {
    const result = trunkSettings.safeParse({ ...form, forcedCallerIdName: "Celito\tDemo" });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ["forcedCallerIdName"], message: expect.stringMatching(/control characters/) }),
    ]);
    expect(() =>
      validateSubscriber({
        username: "acme123456",
        enabled: true,
        credentials: [],
        attributes: { ...trunkSettings.parse(form), forcedCallerIdName: "Celito\tDemo" },
      }),
    ).toThrow(/forcedCallerIdName/);
  });
});
