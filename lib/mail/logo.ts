/**
 * The logo in every HTML email: public/email-logo.png, attached to the message itself (an inline, "cid:" image) rather
 * than linked, so mail clients that block remote images still show it and opening a message tells nobody anything.
 * Templates only refer to it (LOGO_CID); the SMTP transport attaches the file.
 */
export const LOGO_CID = "logo@trunk-portal";
export const LOGO_PUBLIC_PATH = "/email-logo.png";

/** A stored message's HTML as the staff Mail page previews it: the logo from the portal instead of the attachment. */
export const withPublicLogo = (html: string) => html.replaceAll(`cid:${LOGO_CID}`, LOGO_PUBLIC_PATH);
