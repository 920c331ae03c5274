import type { Metadata } from "next";
import Link from "next/link";
import { Button, Card, DateTime, labelClass, PageHeader, Select, StatusBadge, Table, Td } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { getDb } from "@/lib/db";
import { listMail, usesLocalMailbox } from "@/lib/mail/mailbox";

export const metadata: Metadata = { title: "Mail" };

export default async function MailPage({ searchParams }: { searchParams: Promise<{ show?: string }> }) {
  await requirePermission("mail:view");
  const failing = (await searchParams).show === "failing";
  const messages = await listMail(getDb(), { failing });
  return (
    <>
      <PageHeader title="Mail">
        {usesLocalMailbox()
          ? "No SMTP server is configured (SMTP_URL): messages are kept here instead of being sent."
          : "Every message the portal sends, with its delivery status."}
      </PageHeader>
      <Card>
        <form className="mb-4 flex flex-wrap items-end gap-2" action="/staff/mail">
          <div>
            <label htmlFor="show" className={labelClass}>
              Show
            </label>
            <Select id="show" name="show" defaultValue={failing ? "failing" : ""}>
              <option value="">All messages</option>
              <option value="failing">Failing: retrying after an error, or given up</option>
            </Select>
          </div>
          <Button type="submit">Show</Button>
        </form>
        {messages.length === 0 ? (
          <p className="text-muted-foreground">{failing ? "No message is failing." : "No message yet."}</p>
        ) : (
          <Table headers={["Queued", "To", "Subject", "Status", "Attempts", "Last error"]} caption="Messages">
            {messages.map((mail) => (
              <tr key={mail.id}>
                <Td label="Queued" className="sm:whitespace-nowrap">
                  <DateTime value={mail.createdAt} />
                </Td>
                <Td label="To" className="break-all">
                  {mail.to}
                </Td>
                <Td label="Subject">
                  <Link href={`/staff/mail/${mail.id}`}>{mail.subject}</Link>
                </Td>
                <Td label="Status">
                  <StatusBadge kind="mail" status={mail.status} />
                  {mail.status === "SENT" ? (
                    <span className="block text-xs">
                      <DateTime value={mail.sentAt} />
                    </span>
                  ) : null}
                  {mail.status === "QUEUED" && mail.nextAttemptAt ? (
                    <span className="block text-xs">
                      retry <DateTime value={mail.nextAttemptAt} />
                    </span>
                  ) : null}
                </Td>
                <Td label="Attempts">{mail.attempts}</Td>
                <Td label="Last error" className="font-mono text-xs text-danger">
                  {mail.lastError ?? ""}
                </Td>
              </tr>
            ))}
          </Table>
        )}
      </Card>
    </>
  );
}
