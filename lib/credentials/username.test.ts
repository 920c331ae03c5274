import { describe, expect, it } from "vitest";
import { generateSipUsername } from "./username";

describe("generateSipUsername", () => {
  it("is a readable company prefix plus six digits", () => {
    expect(generateSipUsername("Acme Phone Co.")).toMatch(/^acmephon\d{6}$/);
    expect(generateSipUsername("Café Zoë")).toMatch(/^cafezoe\d{6}$/);
  });

  it("falls back to a generic prefix for names without letters", () => {
    expect(generateSipUsername("123 !!")).toMatch(/^trunk\d{6}$/);
  });
});
