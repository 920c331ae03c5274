import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { keyId, needsRotation, open, seal } from "./encryption";

const keyring = () => ({ current: randomBytes(32), previous: [] as Buffer[] });

describe("sealed SIP passwords", () => {
  it("round-trips and never contains the plaintext", () => {
    const ring = keyring();
    const sealed = seal(ring, "s3cret-Password!", "acme123456");
    expect(sealed.ciphertext).not.toContain("s3cret");
    expect(sealed.keyId).toBe(keyId(ring.current));
    expect(open(ring, sealed, "acme123456")).toBe("s3cret-Password!");
  });

  it("uses a fresh IV each time", () => {
    const ring = keyring();
    expect(seal(ring, "same", "u").ciphertext).not.toBe(seal(ring, "same", "u").ciphertext);
  });

  it("detects a tampered ciphertext", () => {
    const ring = keyring();
    const sealed = seal(ring, "s3cret-Password!", "acme123456");
    const [iv, tag, body] = sealed.ciphertext.split(".");
    const flipped = Buffer.from(body ?? "", "base64url");
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    const tampered = { ...sealed, ciphertext: [iv, tag, flipped.toString("base64url")].join(".") };
    expect(() => open(ring, tampered, "acme123456")).toThrow();
  });

  it("will not open a ciphertext moved to another trunk", () => {
    const ring = keyring();
    expect(() => open(ring, seal(ring, "pw", "trunka"), "trunkb")).toThrow();
  });

  it("opens secrets sealed with a previous key after rotation", () => {
    const old = keyring();
    const sealed = seal(old, "pw", "u");
    const rotated = { current: randomBytes(32), previous: [old.current] };
    expect(open(rotated, sealed, "u")).toBe("pw");
    expect(needsRotation(rotated, sealed)).toBe(true);
    expect(() => open(keyring(), sealed, "u")).toThrow(/no credential key/);
  });
});
