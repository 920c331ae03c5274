import { readFileSync } from "node:fs";
import path from "node:path";
import nodemailer from "nodemailer";
import { ROOT } from "../paths";
import { LOGO_CID, LOGO_PUBLIC_PATH } from "./logo";

export type OutgoingMessage = {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
};

/** Where messages go: an SMTP server, or (with no SMTP_URL) the portal's own mailbox, shown on the Mail page. */
export type MailTransport = { kind: "smtp" | "mailbox"; send(message: OutgoingMessage): Promise<void> };

export function createMailTransport(smtpUrl: string | undefined): MailTransport {
  if (!smtpUrl) return { kind: "mailbox", send: async () => {} };
  // smtp:// upgrades with STARTTLS when offered; smtps:// is TLS from the start. Credentials ride in the URL.
  const transporter = nodemailer.createTransport(smtpUrl, {
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  } as never);
  return {
    kind: "smtp",
    async send(message) {
      await transporter.sendMail({
        ...message,
        messageId: message.messageId,
        attachments: message.html.includes(`cid:${LOGO_CID}`) ? logoAttachment() : [],
      });
    },
  };
}

let logo: Buffer | null | undefined;

/** The logo as an inline attachment, read once; a portal without the file sends its messages without it. */
function logoAttachment() {
  if (logo === undefined) {
    try {
      logo = readFileSync(path.join(ROOT, "public", LOGO_PUBLIC_PATH));
    } catch {
      logo = null;
    }
  }
  return logo ? [{ filename: "logo.png", content: logo, contentType: "image/png", cid: LOGO_CID }] : [];
}
