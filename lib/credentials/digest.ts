import { hash } from "node:crypto";

// One-shot hashing: about half the CPU of createHash().update().digest() for inputs this small, and reconciliation
// computes two per realm for every trunk (bench/README.md).
const md5 = (value: string) => hash("md5", value, "hex");

/** The digest hashes a registrar stores instead of the password (RFC 2617 HA1, and Kamailio's ha1b variant). */
export function digestHashes(username: string, realm: string, password: string): { ha1: string; ha1b: string } {
  return {
    ha1: md5(`${username}:${realm}:${password}`),
    ha1b: md5(`${username}@${realm}:${realm}:${password}`),
  };
}
