import type { Metadata } from "next";
import { ActionForm } from "@/components/forms";
import { Card, DateTime, DefinitionList, PageHeader, StatusBadge } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { getDb } from "@/lib/db";
import { withPublicLogo } from "@/lib/mail/logo";
import { getMail, mailboxMayShowSecrets, usesLocalMailbox } from "@/lib/mail/mailbox";
import { maskSecrets, storedBodies } from "@/lib/mail/secrets";
import { orNotFound } from "@/lib/or-not-found";
import { readMailboxMessageAction } from "../../actions";
import { MailboxText } from "./mailbox-text";

export const metadata: Metadata = { title: "Message" };

export default async function MailMessagePage({ params }: { params: Promise<{ mailId: string }> }) {
  await requirePermission("mail:view");
  const { mailId } = await params;
  const mail = await orNotFound(getMail(getDb(), mailId));
  const canReadSecrets = usesLocalMailbox() && Boolean(mail.secretsSealed) && mailboxMayShowSecrets(mail.kind);
  const bodies = storedBodies(mail);
  return (
    <>
      <PageHeader title={mail.subject} />
      <Card title="Delivery">
        <DefinitionList
          items={[
            ["To", mail.to],
            [
              "Message-ID",
              <code key="id" className="font-mono text-sm break-all">
                {mail.messageId}
              </code>,
            ],
            ["Status", <StatusBadge key="status" kind="mail" status={mail.status} />],
            ["Attempts", String(mail.attempts)],
            ["Sent", <DateTime key="sent" value={mail.sentAt} />],
            ["Last error", mail.lastError ?? "—"],
          ]}
        />
      </Card>
      <Card title="Plain text">
        <pre className="whitespace-pre-wrap break-words font-mono text-sm" data-testid="mail-text">
          {maskSecrets(bodies.text)}
        </pre>
        {canReadSecrets ? (
          <ActionForm action={readMailboxMessageAction} aria-label="Show links" className="mt-4 space-y-2">
            <input type="hidden" name="mailId" value={mail.id} />
            <MailboxText />
          </ActionForm>
        ) : null}
      </Card>
      <Card title="HTML">
        <iframe
          title="HTML version"
          sandbox=""
          srcDoc={withPublicLogo(maskSecrets(bodies.html))}
          className="h-[600px] w-full rounded border border-border bg-white"
        />
      </Card>
    </>
  );
}
