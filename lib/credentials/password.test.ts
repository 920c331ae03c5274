import { describe, expect, it } from "vitest";
import { entropyBits, generateSipPassword, MIN_PASSWORD_BITS, PASSWORD_ALPHABET } from "./password";

describe("generateSipPassword", () => {
  it("is at least 20 characters and 120 bits", () => {
    const password = generateSipPassword();
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect(entropyBits(password.length, PASSWORD_ALPHABET.length)).toBeGreaterThanOrEqual(MIN_PASSWORD_BITS);
  });

  it("uses no look-alike characters and nothing a PBX config would choke on", () => {
    for (const forbidden of ["0", "O", "o", "1", "l", "I", '"', "'", "\\", " ", "#", ";", "=", "&", ":", "@", "<"]) {
      expect(PASSWORD_ALPHABET).not.toContain(forbidden);
    }
    const sample = Array.from({ length: 500 }, () => generateSipPassword()).join("");
    expect([...sample].every((char) => PASSWORD_ALPHABET.includes(char))).toBe(true);
  });

  it("draws every symbol of the alphabet and never repeats a password", () => {
    const passwords = Array.from({ length: 20_000 }, () => generateSipPassword());
    expect(new Set(passwords).size).toBe(passwords.length);
    const seen = new Set(passwords.join(""));
    expect(seen.size).toBe(new Set(PASSWORD_ALPHABET).size);
  });

  it("spreads symbols evenly (chi-square test)", () => {
    const counts = new Map<string, number>();
    const text = Array.from({ length: 5_000 }, () => generateSipPassword()).join("");
    for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
    const expected = text.length / PASSWORD_ALPHABET.length;
    const chiSquare = [...counts.values()].reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
    // 55 degrees of freedom: a fair generator exceeds 105 with p < 0.0001; a biased one (one symbol twice as
    // likely) lands far above it.
    expect(chiSquare).toBeLessThan(105);
  });

  it("refuses a length that would fall below 120 bits", () => {
    expect(() => generateSipPassword(12)).toThrow(/bits/);
  });
});
