/**
 * Secrets inside an email (a one-time reveal link, a sign-in link, an inline SIP password) are never part of the
 * stored text: a template marks where each one goes with a slot (an object, not text), the stored message keeps the
 * text around it plus the slots' positions, and the secrets, sealed, are merged in only when the message is sent.
 * Nothing in user text (a contact name like "[[secret:x]]") can ever create, move or hide a slot.
 */
export type SecretName = "revealUrl" | "password" | "signInUrl" | "resetUrl";
export type MailSecrets = Partial<Record<SecretName, string>>;

export type SecretSlot = { readonly secret: SecretName };
export const secret = (name: SecretName): SecretSlot => ({ secret: name });
export const isSecretSlot = (value: unknown): value is SecretSlot =>
  typeof value === "object" && value !== null && "secret" in value;

/** A message body: its text without secrets, and where each secret goes (offsets in code points). */
export type MailBody = { content: string; slots: { at: number; name: SecretName }[] };
/** How slots are stored with a message (Mail.secretSlots). */
export type StoredSlots = { text: MailBody["slots"]; html: MailBody["slots"] };

/** Strings with no surrogate pair count code points as UTF-16 units: skips splitting them into characters. */
const hasSurrogates = (text: string) => /[\uD800-\uDFFF]/.test(text);
const codePoints = (text: string) => (hasSurrogates(text) ? [...text].length : text.length);

/** Joins text and slots into a body. */
export function mailBody(parts: readonly (string | SecretSlot)[]): MailBody {
  let content = "";
  let length = 0;
  const slots: MailBody["slots"] = [];
  for (const part of parts) {
    if (isSecretSlot(part)) {
      slots.push({ at: length, name: part.secret });
    } else {
      content += part;
      length += codePoints(part);
    }
  }
  return { content, slots };
}

const join = (characters: string | string[]) => (typeof characters === "string" ? characters : characters.join(""));

/** The body with each slot filled by `fill` (slots are independent of the text, so order is by position). */
function fillSlots(body: MailBody, fill: (name: SecretName) => string): string {
  const characters = hasSurrogates(body.content) ? [...body.content] : body.content;
  let result = "";
  let from = 0;
  for (const slot of [...body.slots].sort((a, b) => a.at - b.at)) {
    result += join(characters.slice(from, slot.at)) + fill(slot.name);
    from = slot.at;
  }
  return result + join(characters.slice(from));
}

export function mergeSecrets(body: MailBody, secrets: MailSecrets, encode: (value: string) => string = (v) => v) {
  return fillSlots(body, (name) => {
    const value = secrets[name];
    if (value === undefined) throw new Error(`mail secret "${name}" is missing`);
    return encode(value);
  });
}

/** How a stored message reads to staff: the secret stays hidden. */
export function maskSecrets(body: MailBody) {
  return fillSlots(body, (name) => `‹${name} — sent to the recipient only›`);
}

/** The bodies of a stored message. */
export function storedBodies(mail: { text: string; html: string; secretSlots: unknown }) {
  const slots = (mail.secretSlots ?? { text: [], html: [] }) as StoredSlots;
  return { text: { content: mail.text, slots: slots.text }, html: { content: mail.html, slots: slots.html } };
}

export function escapeHtml(value: string) {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}
