import { createHash } from "node:crypto";

const md5 = (value: string) => createHash("md5").update(value, "utf8").digest("hex");

/** The digest hashes a registrar stores instead of the password (RFC 2617 HA1, and Kamailio's ha1b variant). */
export function digestHashes(username: string, realm: string, password: string): { ha1: string; ha1b: string } {
  return {
    ha1: md5(`${username}:${realm}:${password}`),
    ha1b: md5(`${username}@${realm}:${realm}:${password}`),
  };
}
