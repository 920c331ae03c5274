import type { Metadata } from "next";
import Link from "next/link";
import { AuditTable } from "@/components/audit-table";
import { ActionForm, SubmitButton, TextField } from "@/components/forms";
import { Badge, ButtonLink, Card, DefinitionList, formatDateTime, PageHeader, Table } from "@/components/ui";
import { listAudit } from "@/lib/audit/query";
import { requirePermission } from "@/lib/auth/guards";
import { can } from "@/lib/auth/policy";
import { getCustomer } from "@/lib/customers";
import { getDb } from "@/lib/db";
import { orNotFound } from "@/lib/pages";
import { DIAL_PERMISSION_LABELS } from "@/lib/trunks/describe";
import { addCustomerUserAction } from "../../actions";

export const metadata: Metadata = { title: "Customer" };

export default async function CustomerPage({ params }: { params: Promise<{ customerId: string }> }) {
  const actor = await requirePermission("customers:view");
  const { customerId } = await params;
  const customer = await orNotFound(getCustomer(getDb(), customerId));
  const history = await listAudit(getDb(), { customerId, take: 50 });
  return (
    <>
      <PageHeader
        title={customer.company}
        actions={
          <>
            {can(actor, "trunks:create") ? (
              <ButtonLink href={`/staff/customers/${customer.id}/trunks/new`}>Add trunk</ButtonLink>
            ) : null}
            {can(actor, "customers:edit") ? (
              <ButtonLink href={`/staff/customers/${customer.id}/edit`} variant="secondary">
                Edit customer
              </ButtonLink>
            ) : null}
          </>
        }
      >
        {customer.isDemo ? <Badge color="blue">Demo until {formatDateTime(customer.demoExpiresAt)}</Badge> : null}{" "}
        <Badge color={customer.status === "ACTIVE" ? "green" : "amber"}>{customer.status.toLowerCase()}</Badge>
      </PageHeader>
      <Card title="Contact">
        <DefinitionList
          items={[
            ["Contact", customer.contactName],
            ["Email", customer.contactEmail],
            ["Created", formatDateTime(customer.createdAt)],
          ]}
        />
      </Card>
      <Card title="Trunks">
        {customer.trunks.length === 0 ? (
          <p className="text-slate-600">No trunks yet.</p>
        ) : (
          <Table headers={["SIP username", "Server(s)", "Limit", "Dialing", "DIDs", "Status"]} caption="Trunks">
            {customer.trunks.map((trunk) => (
              <tr key={trunk.id}>
                <td className="px-2 py-2 font-mono">
                  <Link href={`/staff/trunks/${trunk.id}`}>{trunk.username}</Link>
                </td>
                <td className="px-2 py-2 font-mono">{trunk.servers.map((s) => s.server.hostname).join(", ")}</td>
                <td className="px-2 py-2">{trunk.callLimit}</td>
                <td className="px-2 py-2">{DIAL_PERMISSION_LABELS[trunk.dialPermission]}</td>
                <td className="px-2 py-2 font-mono">{trunk.dids.map((did) => did.number).join(", ") || "—"}</td>
                <td className="px-2 py-2">
                  <Badge color={trunk.status === "ACTIVE" ? "green" : "red"}>{trunk.status.toLowerCase()}</Badge>
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Card>
      <Card title="Users">
        <ul className="space-y-1">
          {customer.users.map((user) => (
            <li key={user.id}>
              {user.name} — {user.email} {user.active ? null : <Badge color="red">inactive</Badge>}
            </li>
          ))}
        </ul>
        {can(actor, "customers:edit") ? (
          <details className="mt-4">
            <summary className="cursor-pointer text-sm text-blue-800">Add a user who can sign in</summary>
            <ActionForm action={addCustomerUserAction} aria-label="Add customer user" className="mt-2 space-y-3">
              <input type="hidden" name="customerId" value={customer.id} />
              <TextField name="name" label="Name" />
              <TextField name="email" label="Email" type="email" />
              <SubmitButton variant="secondary">Add user</SubmitButton>
            </ActionForm>
          </details>
        ) : null}
      </Card>
      <Card title="History">
        <AuditTable entries={history.entries} />
      </Card>
    </>
  );
}
