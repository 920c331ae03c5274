import { open } from "../credentials/encryption";
import { credentialKeyring } from "../credentials/keyring";

/** The trunk's SIP password, decrypted in memory only for someone entitled to see it (callers audit the reveal). */
export function decryptTrunkPassword(trunk: { username: string; passwordCiphertext: string; passwordKeyId: string }) {
  return open(
    credentialKeyring(),
    { ciphertext: trunk.passwordCiphertext, keyId: trunk.passwordKeyId },
    trunk.username,
  );
}
