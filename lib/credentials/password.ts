import { randomInt } from "node:crypto";

/**
 * Letters and digits without look-alikes (0/O/o, 1/l/I, 5/S, 2/Z, 8/B) plus symbols that every common PBX accepts
 * in a SIP password: no quotes, backslashes, spaces, or characters with meaning in config files (#;=&<>%:@).
 */
export const PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY34679!*+-_.";
export const PASSWORD_LENGTH = 24;
export const MIN_PASSWORD_BITS = 120;

/** Bits of entropy of a password drawn uniformly from `alphabetSize` symbols. */
export function entropyBits(length: number, alphabetSize: number): number {
  return length * Math.log2(alphabetSize);
}

/** A new SIP password from the CSPRNG: 24 symbols of a 56-symbol alphabet, about 139 bits. */
export function generateSipPassword(length = PASSWORD_LENGTH): string {
  if (entropyBits(length, PASSWORD_ALPHABET.length) < MIN_PASSWORD_BITS) {
    throw new Error(`a ${length}-character password is below ${MIN_PASSWORD_BITS} bits`);
  }
  let password = "";
  for (let i = 0; i < length; i++) password += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return password;
}
