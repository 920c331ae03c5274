/**
 * Secrets inside an email (a one-time reveal link, a sign-in link, an inline SIP password) are written into the
 * stored message as markers and merged in only when it is sent, so the database never holds them in plaintext.
 */
export type MailSecrets = Record<string, string>;

export const secretMarker = (name: string) => `[[secret:${name}]]`;
const MARKER = /\[\[secret:([a-zA-Z]+)\]\]/g;

export function mergeSecrets(body: string, secrets: MailSecrets, encode: (value: string) => string = (v) => v) {
  return body.replace(MARKER, (_match, name: string) => {
    const value = secrets[name];
    if (value === undefined) throw new Error(`mail secret "${name}" is missing`);
    return encode(value);
  });
}

/** How a stored message reads to staff: the secret stays hidden. */
export function maskSecrets(body: string) {
  return body.replace(MARKER, (_match, name: string) => `‹${name} — sent to the recipient only›`);
}

export function escapeHtml(value: string) {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}
