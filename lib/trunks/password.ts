import { open } from "../credentials/encryption";
import { credentialKeyring } from "../credentials/keyring";

/**
 * The trunk's SIP password, decrypted in memory for the portal's own work (registrar digests, the credential check,
 * the credentials email). A person is shown it only through `revealPassword` (lib/trunks), which checks and audits.
 */
export function decryptTrunkPassword(trunk: { username: string; passwordCiphertext: string; passwordKeyId: string }) {
  return open(
    credentialKeyring(),
    { ciphertext: trunk.passwordCiphertext, keyId: trunk.passwordKeyId },
    trunk.username,
  );
}
