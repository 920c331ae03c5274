import { describe, expect, it } from "vitest";
import { passwordProblem } from "./password-policy";

describe("staff password policy", () => {
  it("accepts a long, uncommon passphrase", () => {
    expect(passwordProblem("orbit kettle 42 marmalade")).toBeNull();
  });

  it("refuses short, common and padded-common passwords", () => {
    expect(passwordProblem("Tr0ub4dor&3")).toMatch(/at least 12/);
    for (const password of ["1qaz2wsx3edc", "qwerty123456", "Password2024!", "!!dragon!!!!!", "abcabcabcabc"]) {
      expect(passwordProblem(password), password).toMatch(/too common/);
    }
  });

  it("refuses the user's own email address", () => {
    expect(passwordProblem("pat.jones@example.com1", "pat.jones@example.com")).toMatch(/email address/);
    expect(passwordProblem("Pat.Jones!2024", "pat.jones@example.com")).toMatch(/email address/);
  });
});
