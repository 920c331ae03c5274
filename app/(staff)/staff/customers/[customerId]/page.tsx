import type { Metadata } from "next";
import Link from "next/link";
import { AuditTable } from "@/components/audit-table";
import { CursorPagination } from "@/components/cursor-pagination";
import { DemoBadge } from "@/components/demo-badge";
import { ActionForm, SubmitButton, TextField } from "@/components/forms";
import {
  Alert,
  Badge,
  ButtonLink,
  Card,
  DateTime,
  DefinitionList,
  Disclosure,
  PageHeader,
  StatusBadge,
  Table,
  Td,
} from "@/components/ui";
import { listAudit } from "@/lib/audit/query";
import { requirePermission } from "@/lib/auth/guards";
import { type Actor, can } from "@/lib/auth/policy";
import { getCustomer, listCustomerTrunks } from "@/lib/customers";
import { demoStatus } from "@/lib/customers/demo";
import { getDb } from "@/lib/db";
import { orNotFound } from "@/lib/or-not-found";
import { trunksRefusedFor } from "@/lib/trunks/active-account";
import { DIAL_PERMISSION_LABELS } from "@/lib/trunks/describe";
import { addCustomerUserAction, convertDemoAction, extendDemoAction } from "../../actions";
import { TrunkPolicyFields } from "../../trunks/trunk-settings-fields";

export const metadata: Metadata = { title: "Customer" };

type CustomerDetails = Awaited<ReturnType<typeof getCustomer>>;
type TrunkPage = Awaited<ReturnType<typeof listCustomerTrunks>>;

/** "YYYY-MM-DD" of a date, for a date field's default value. */
const dateField = (date: Date) => date.toISOString().slice(0, 10);

/** Extending or converting a demo, for the staff allowed to. */
function DemoCard({
  actor,
  customer,
  trunks,
}: {
  actor: Actor;
  customer: CustomerDetails;
  trunks: TrunkPage["trunks"];
}) {
  const status = demoStatus(customer);
  const trunk = trunks.find((candidate) => candidate.status !== "DELETED");
  const from = Math.max(Date.now(), customer.demoExpiresAt?.getTime() ?? 0);
  return (
    <Card title="Demo account">
      <p className="text-sm">
        {status?.ended ? (
          <>
            The demo ended <DateTime value={status.endsAt} />; its trunks were disabled.
          </>
        ) : (
          <>
            The demo ends <DateTime value={customer.demoExpiresAt} />. Then its trunks are disabled at the registrar.
          </>
        )}
      </p>
      {can(actor, "demo:extend") ? (
        <ActionForm action={extendDemoAction} aria-label="Extend the demo" className="mt-4 space-y-3">
          <input type="hidden" name="customerId" value={customer.id} />
          <TextField
            name="demoExpiresAt"
            label="New end date"
            type="date"
            defaultValue={dateField(new Date(from + 7 * 24 * 60 * 60 * 1000))}
            hint="The demo runs to the end of this day (UTC). Trunks disabled because the demo ended work again."
          />
          <SubmitButton variant="secondary">Extend the demo</SubmitButton>
        </ActionForm>
      ) : null}
      {can(actor, "demo:convert") ? (
        <Disclosure summary="Convert to a paying account">
          <ActionForm action={convertDemoAction} aria-label="Convert to a paying account" className="mt-2 space-y-3">
            <input type="hidden" name="customerId" value={customer.id} />
            <p className="text-sm text-muted-foreground">
              These settings apply to every trunk of the account, at once and at the registrar. The demo's end date and
              reminder go away.
            </p>
            <TrunkPolicyFields
              defaults={{
                callLimit: trunk?.callLimit ?? 5,
                dialPermission: trunk?.dialPermission ?? "US_ONLY",
                allowedCountries: trunk?.allowedCountries ?? [],
                callerIdPolicy: trunk?.callerIdPolicy ?? "FORCED",
                forcedCallerId: null,
                forcedCallerIdName: null,
              }}
            />
            <SubmitButton>Convert to a paying account</SubmitButton>
          </ActionForm>
        </Disclosure>
      ) : null}
    </Card>
  );
}

export default async function CustomerPage({
  params,
  searchParams,
}: {
  params: Promise<{ customerId: string }>;
  searchParams: Promise<{ converted?: string; after?: string; before?: string }>;
}) {
  const actor = await requirePermission("customers:view");
  const { customerId } = await params;
  const { converted, after, before } = await searchParams;
  const db = getDb();
  const customer = await orNotFound(getCustomer(db, customerId));
  const [trunkPage, history] = await Promise.all([
    listCustomerTrunks(db, customerId, { after, before }),
    listAudit(db, { customerId, take: 50 }),
  ]);
  return (
    <>
      <PageHeader
        title={customer.company}
        actions={
          <>
            {can(actor, "trunks:create") && !trunksRefusedFor(customer) ? (
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
        <DemoBadge customer={customer} /> <StatusBadge kind="customer" status={customer.status} />
      </PageHeader>
      {converted && !customer.isDemo ? (
        <Alert tone="success" role="status" className="mb-4">
          Converted to a paying account. Every trunk has the new settings; the registrar is being updated.
        </Alert>
      ) : null}
      {customer.isDemo ? <DemoCard actor={actor} customer={customer} trunks={trunkPage.trunks} /> : null}
      <Card title="Contact">
        <DefinitionList
          items={[
            ["Contact", customer.contactName],
            ["Email", customer.contactEmail],
            ["Created", <DateTime key="created" value={customer.createdAt} />],
          ]}
        />
      </Card>
      <Card
        title={
          trunkPage.total > trunkPage.trunks.length ? `Trunks (${trunkPage.total.toLocaleString("en-US")})` : "Trunks"
        }
      >
        {trunkPage.trunks.length === 0 ? (
          <p className="text-muted-foreground">No trunks yet.</p>
        ) : (
          <Table headers={["SIP username", "Server(s)", "Limit", "Dialing", "DIDs", "Status"]} caption="Trunks">
            {trunkPage.trunks.map((trunk) => (
              <tr key={trunk.id}>
                <Td label="SIP username" className="font-mono">
                  <Link href={`/staff/trunks/${trunk.id}`}>{trunk.username}</Link>
                </Td>
                <Td label="Server(s)" className="font-mono">
                  {trunk.servers.map((s) => s.server.hostname).join(", ")}
                </Td>
                <Td label="Limit">{trunk.callLimit}</Td>
                <Td label="Dialing">{DIAL_PERMISSION_LABELS[trunk.dialPermission]}</Td>
                <Td label="DIDs" className="font-mono">
                  {trunk.dids.map((did) => did.number).join(", ") || "—"}
                  {trunk._count.dids > trunk.dids.length ? ` and ${trunk._count.dids - trunk.dids.length} more` : null}
                </Td>
                <Td label="Status">
                  <StatusBadge kind="trunk" status={trunk.status} />
                  {trunk.statusReason ? (
                    <span className="ml-2 text-xs text-muted-foreground">{trunk.statusReason}</span>
                  ) : null}
                </Td>
              </tr>
            ))}
          </Table>
        )}
        <CursorPagination
          previous={trunkPage.previous}
          next={trunkPage.next}
          href={(page) => `/staff/customers/${customer.id}?${new URLSearchParams(page)}`}
        />
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
          <Disclosure summary="Add a user who can sign in">
            <ActionForm action={addCustomerUserAction} aria-label="Add customer user" className="mt-2 space-y-3">
              <input type="hidden" name="customerId" value={customer.id} />
              <TextField name="name" label="Name" />
              <TextField name="email" label="Email" type="email" />
              <SubmitButton variant="secondary">Add user</SubmitButton>
            </ActionForm>
          </Disclosure>
        ) : null}
      </Card>
      <Card title="History">
        <AuditTable entries={history.entries} />
      </Card>
    </>
  );
}
