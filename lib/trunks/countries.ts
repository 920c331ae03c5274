/**
 * Countries a trunk with the "allowed countries" dial permission can be opened to, with their E.164 calling codes
 * (what the registrar matches on). NANP members other than the US and Canada share code 1 and are not offered.
 */
export const COUNTRY_CALLING_CODES = {
  US: "1",
  CA: "1",
  MX: "52",
  GB: "44",
  IE: "353",
  FR: "33",
  DE: "49",
  ES: "34",
  PT: "351",
  IT: "39",
  NL: "31",
  BE: "32",
  CH: "41",
  AT: "43",
  SE: "46",
  NO: "47",
  DK: "45",
  FI: "358",
  PL: "48",
  CZ: "420",
  GR: "30",
  IL: "972",
  IN: "91",
  PH: "63",
  JP: "81",
  KR: "82",
  CN: "86",
  HK: "852",
  SG: "65",
  AU: "61",
  NZ: "64",
  BR: "55",
  AR: "54",
  CL: "56",
  CO: "57",
  PE: "51",
  ZA: "27",
} as const satisfies Record<string, string>;

export type CountryCode = keyof typeof COUNTRY_CALLING_CODES;

/** The calling-code prefixes for a list of countries, without duplicates (US and CA both give "1"). */
export function callingCodesFor(countries: readonly string[]): string[] {
  const codes = countries
    .map((country) => COUNTRY_CALLING_CODES[country as CountryCode])
    .filter((code): code is (typeof COUNTRY_CALLING_CODES)[CountryCode] => Boolean(code));
  return [...new Set(codes)];
}
