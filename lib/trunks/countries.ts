import { type CountryCode, getCountries, getCountryCallingCode } from "libphonenumber-js/max";

/**
 * The countries a trunk with the "selected countries" dial permission can be opened to: every country
 * libphonenumber knows, each one exactly (the US, Canada and every Caribbean NANP member apart, though they all
 * share calling code 1). The registrar tells them apart with prefix lists generated from the same library
 * (registrar/kamailio/dialplan.cfg).
 */
export const DIALABLE_COUNTRIES: readonly CountryCode[] = getCountries();

const names = new Intl.DisplayNames(["en"], { type: "region" });

export function isDialableCountry(code: string): code is CountryCode {
  return (DIALABLE_COUNTRIES as readonly string[]).includes(code);
}

/** "CA" → "Canada (+1)". */
export function describeCountry(code: string): string {
  return isDialableCountry(code) ? `${names.of(code) ?? code} (+${getCountryCallingCode(code)})` : code;
}
