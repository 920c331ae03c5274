import { createHmac } from "node:crypto";

/**
 * RFC 6238 (TOTP, SHA-1, 6 digits, 30-second steps) written out independently of the portal's library, so tests act
 * like an authenticator app that only knows the key shown on the page.
 */
export function totpCode(base32Key: string, at = Date.now(), stepOffset = 0): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const bits = [...base32Key.replace(/[\s=]/g, "").toUpperCase()]
    .map((char) => {
      const value = alphabet.indexOf(char);
      if (value < 0) throw new Error(`not base32: ${char}`);
      return value.toString(2).padStart(5, "0");
    })
    .join("");
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((byte) => Number.parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30_000) + stepOffset));
  const hmac = createHmac("sha1", key).update(counter).digest();
  const offset = (hmac[hmac.length - 1] ?? 0) & 0x0f;
  const binary = hmac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, "0");
}
