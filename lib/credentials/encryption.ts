import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

export type Keyring = { current: Buffer; previous: Buffer[] };
export type SealedSecret = { ciphertext: string; keyId: string };

const keyIds = new WeakMap<Buffer, string>();

/** A key's id is derived from the key itself, so a stored id can never point at the wrong key. */
export function keyId(key: Buffer): string {
  // Remembered per key: open() looks the key up for every secret (a million in one reconciliation run).
  let id = keyIds.get(key);
  if (id === undefined) {
    id = createHash("sha256").update(key).digest("hex").slice(0, 12);
    keyIds.set(key, id);
  }
  return id;
}

export function keyringFromBase64(current: string, previous: string[] = []): Keyring {
  const decode = (value: string) => {
    const key = Buffer.from(value, "base64");
    if (key.length !== 32) throw new Error("credential encryption keys must be 32 bytes (base64)");
    return key;
  };
  return { current: decode(current), previous: previous.map(decode) };
}

/**
 * AES-256-GCM with a random 96-bit IV. `context` (e.g. the SIP username) is authenticated but not stored, so a
 * ciphertext copied onto another trunk fails to open.
 */
export function seal(keyring: Keyring, plaintext: string, context: string): SealedSecret {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyring.current, iv);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), body].map((part) => part.toString("base64url"));
  return { ciphertext: parts.join("."), keyId: keyId(keyring.current) };
}

export function open(keyring: Keyring, sealed: SealedSecret, context: string): string {
  // Written for a million calls in one reconciliation run: no array of keys, no Buffer of the body, one string out.
  let key = keyId(keyring.current) === sealed.keyId ? keyring.current : undefined;
  key ??= keyring.previous.find((candidate) => keyId(candidate) === sealed.keyId);
  if (!key) throw new Error(`no credential key with id ${sealed.keyId} is configured`);
  const { ciphertext } = sealed;
  const ivEnd = ciphertext.indexOf(".");
  const tagEnd = ivEnd < 0 ? -1 : ciphertext.indexOf(".", ivEnd + 1);
  if (tagEnd < 0) throw new Error("malformed sealed secret");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(ciphertext.slice(0, ivEnd), "base64url"));
  decipher.setAAD(Buffer.from(context, "utf8"));
  decipher.setAuthTag(Buffer.from(ciphertext.slice(ivEnd + 1, tagEnd), "base64url"));
  return decipher.update(ciphertext.slice(tagEnd + 1), "base64url", "utf8") + decipher.final("utf8");
}

/** True when the secret was sealed with an older key and should be re-sealed with the current one. */
export function needsRotation(keyring: Keyring, sealed: SealedSecret): boolean {
  return sealed.keyId !== keyId(keyring.current);
}
