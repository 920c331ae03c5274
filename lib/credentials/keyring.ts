import { env } from "../env";
import { type Keyring, keyringFromBase64 } from "./encryption";

let cached: Keyring | undefined;

/** The credential keys from the environment: the current key seals, previous keys still open older secrets. */
export function credentialKeyring(): Keyring {
  cached ??= keyringFromBase64(env().CREDENTIAL_ENCRYPTION_KEY, env().CREDENTIAL_PREVIOUS_KEYS);
  return cached;
}
