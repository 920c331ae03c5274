import COMMON_PASSWORDS from "./common-passwords.json";

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 200;

/** The 10,000 most common passwords of zxcvbn 4.4.2's list (MIT licence, Dropbox), lowercased. */
const common = new Set<string>(COMMON_PASSWORDS);

/**
 * What is wrong with a new staff password, or null when it is acceptable: long enough, and neither a common
 * password nor one padded with digits and symbols ("Password2024!"), nor built from the user's own email address.
 */
export function passwordProblem(password: string, email?: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `Use at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password.length > MAX_PASSWORD_LENGTH) return `Use at most ${MAX_PASSWORD_LENGTH} characters.`;
  const lower = password.toLowerCase();
  const core = lower.replace(/^[\d\W_]+|[\d\W_]+$/g, "");
  if (common.has(lower) || common.has(core) || /^(.{1,4})\1+$/.test(lower)) {
    return "This password is too common. Choose a longer phrase that is not a well-known password.";
  }
  const address = email?.toLowerCase();
  const mailbox = address?.split("@")[0] ?? "";
  if (address && (lower.includes(address) || (mailbox.length >= 4 && core === mailbox))) {
    return "Do not use your email address as your password.";
  }
  return null;
}
