import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export type ReceivedMail = {
  messageId: string;
  to: string;
  subject: string;
  text: string;
  /** As sent: images inside the message are still referred to as `cid:<content id>`. */
  html: string;
  /** Images carried inside the message (inline attachments). */
  inline: { contentId: string; contentType: string; size: number }[];
};

/**
 * A real SMTP server on 127.0.0.1 (the smtp-server package) that keeps what it receives. It can be stopped and
 * started again on the same port to simulate an outage, and can hold messages mid-DATA to simulate a slow server.
 */
export class TestSmtpServer {
  /** Messages the server accepted (answered 250 to DATA): delivered. */
  readonly received: ReceivedMail[] = [];
  /** Messages received whole while stalled, never acknowledged: the sender cannot know they arrived. */
  readonly unacknowledged: ReceivedMail[] = [];
  port = 0;
  /** While set, DATA is not acknowledged: the client waits mid-send. */
  stall = false;
  private server: SMTPServer | null = null;
  private waiters: (() => void)[] = [];

  async start(port = this.port) {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      onData: (stream, _session, callback) => {
        simpleParser(stream, { keepCidLinks: true })
          .then((mail: ParsedMail) => {
            const received = {
              messageId: mail.messageId ?? "",
              to: Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(", ") : (mail.to?.text ?? ""),
              subject: mail.subject ?? "",
              text: mail.text ?? "",
              html: typeof mail.html === "string" ? mail.html : "",
              inline: mail.attachments
                .filter((attachment) => attachment.contentId)
                .map((attachment) => ({
                  contentId: (attachment.contentId ?? "").replace(/^<|>$/g, ""),
                  contentType: attachment.contentType,
                  size: attachment.size,
                })),
            };
            // While stalled, never answer: the sender is stuck until it gives up or dies.
            (this.stall ? this.unacknowledged : this.received).push(received);
            for (const wake of this.waiters.splice(0)) wake();
            if (!this.stall) callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server?.once("error", reject);
      this.server?.listen(port, "127.0.0.1", () => resolve());
    });
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  get url() {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async stop() {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Waits until `predicate` holds for what was received (or, with `list`, another list), or fails after `timeoutMs`. */
  async waitFor(
    predicate: (mails: ReceivedMail[]) => boolean,
    timeoutMs = 20_000,
    list: ReceivedMail[] = this.received,
  ): Promise<ReceivedMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(list)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for mail; received: ${this.received.map((m) => m.subject)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return list;
  }
}
