import type { Metadata } from "next";
import Link from "next/link";
import { Badge, Card, formatDateTime, PageHeader, Table } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { getDb } from "@/lib/db";
import { listMail, usesLocalMailbox } from "@/lib/mail/queries";

export const metadata: Metadata = { title: "Mail" };

const STATUS_COLORS = { QUEUED: "amber", SENDING: "blue", SENT: "green", FAILED: "red" } as const;

export default async function MailPage() {
  await requirePermission("mail:view");
  const messages = await listMail(getDb());
  return (
    <>
      <PageHeader title="Mail">
        {usesLocalMailbox()
          ? "No SMTP server is configured (SMTP_URL): messages are kept here instead of being sent."
          : "Every message the portal sends, with its delivery status."}
      </PageHeader>
      <Card>
        <Table headers={["Queued", "To", "Subject", "Status", "Attempts", "Last error"]} caption="Messages">
          {messages.map((mail) => (
            <tr key={mail.id}>
              <td className="whitespace-nowrap px-2 py-2">{formatDateTime(mail.createdAt)}</td>
              <td className="px-2 py-2">{mail.to}</td>
              <td className="px-2 py-2">
                <Link href={`/staff/mail/${mail.id}`}>{mail.subject}</Link>
              </td>
              <td className="px-2 py-2">
                <Badge color={STATUS_COLORS[mail.status]}>{mail.status.toLowerCase()}</Badge>
                {mail.status === "SENT" ? <span className="block text-xs">{formatDateTime(mail.sentAt)}</span> : null}
                {mail.status === "QUEUED" && mail.nextAttemptAt ? (
                  <span className="block text-xs">retry {formatDateTime(mail.nextAttemptAt)}</span>
                ) : null}
              </td>
              <td className="px-2 py-2">{mail.attempts}</td>
              <td className="px-2 py-2 font-mono text-xs text-red-800">{mail.lastError ?? ""}</td>
            </tr>
          ))}
        </Table>
      </Card>
    </>
  );
}
