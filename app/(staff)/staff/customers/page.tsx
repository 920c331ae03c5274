import type { Metadata } from "next";
import Link from "next/link";
import { CursorPagination } from "@/components/cursor-pagination";
import { DemoBadge } from "@/components/demo-badge";
import {
  Button,
  ButtonLink,
  DateTime,
  Input,
  labelClass,
  PageHeader,
  Select,
  StatusBadge,
  Table,
  Td,
} from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { can } from "@/lib/auth/policy";
import { DEMO_ENDING_SOON_DAYS, DEMO_FILTERS, type DemoFilter, listCustomers } from "@/lib/customers";
import type { MatchCount } from "@/lib/customers/search";
import { getDb } from "@/lib/db";

export const metadata: Metadata = { title: "Customers" };

const DEMO_FILTER_LABELS: Record<DemoFilter, string> = {
  ending: `Demos ending within ${DEMO_ENDING_SOON_DAYS} days`,
  ended: "Demos that have ended",
};

/** "20 customers", "More than 1,000 customers", "About 100,000 customers". */
function describeCount({ value, precision }: MatchCount) {
  const number = value.toLocaleString("en-US");
  const noun = value === 1 && precision === "exact" ? "customer" : "customers";
  if (precision === "at-least") return `More than ${number} ${noun}`;
  if (precision === "about") return `About ${number} ${noun}`;
  return `${number} ${noun}`;
}

/** The search and filter of the list, for its page links and its export. */
const listQuery = (q: string, demo: DemoFilter | null) => ({ ...(q ? { q } : {}), ...(demo ? { demo } : {}) });

const text = (value: string | string[] | undefined) => (typeof value === "string" ? value : undefined);

export default async function CustomersPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const actor = await requirePermission("customers:view");
  const params = await searchParams;
  const q = text(params.q) ?? "";
  const demo = DEMO_FILTERS.find((filter) => filter === params.demo) ?? null;
  const { customers, count, next, previous } = await listCustomers(getDb(), {
    q,
    demo,
    after: text(params.after),
    before: text(params.before),
  });
  return (
    <>
      <PageHeader
        title="Customers"
        actions={
          <>
            {can(actor, "demo:create") ? <ButtonLink href="/staff/demo/new">New demo account</ButtonLink> : null}
            {can(actor, "customers:create") ? (
              <ButtonLink href="/staff/customers/new" variant="secondary">
                New customer
              </ButtonLink>
            ) : null}
          </>
        }
      />
      <search>
        <form className="mb-4 flex flex-wrap items-end gap-2" action="/staff/customers">
          <div className="grow">
            <label htmlFor="q" className={labelClass}>
              Search company, contact, email, SIP username or DID
            </label>
            <Input id="q" name="q" type="search" defaultValue={q} />
          </div>
          <div>
            <label htmlFor="demo" className={labelClass}>
              Show
            </label>
            <Select id="demo" name="demo" defaultValue={demo ?? ""}>
              <option value="">All customers</option>
              {DEMO_FILTERS.map((filter) => (
                <option key={filter} value={filter}>
                  {DEMO_FILTER_LABELS[filter]}
                </option>
              ))}
            </Select>
          </div>
          <Button type="submit">Search</Button>
        </form>
      </search>
      <p className="mb-2 text-sm text-muted-foreground" aria-live="polite">
        {describeCount(count)}
        {q ? ` matching “${q}”` : ""}
        {demo ? ` · ${DEMO_FILTER_LABELS[demo].toLowerCase()}` : ""}
        {" · "}
        <a href={`/staff/customers/export.csv?${new URLSearchParams(listQuery(q, demo))}`} download>
          Export these customers (CSV)
        </a>
        {can(actor, "trunks:view") ? (
          <>
            {" · "}
            <a href="/staff/trunks/export.csv" download>
              Export all trunks (CSV)
            </a>
          </>
        ) : null}
        {can(actor, "imports:run") ? (
          <>
            {" · "}
            <Link href="/staff/imports">Import from CSV</Link>
          </>
        ) : null}
      </p>
      <Table headers={["Company", "Contact", "Trunks", "Status", "Created"]} caption="Customers">
        {customers.map((customer) => (
          <tr key={customer.id}>
            <Td label="Company">
              <Link href={`/staff/customers/${customer.id}`}>{customer.company}</Link>{" "}
              {customer.isDemo ? <DemoBadge customer={customer} /> : null}
            </Td>
            <Td label="Contact">
              {customer.contactName}
              <br />
              <span className="break-all text-muted-foreground">{customer.contactEmail}</span>
            </Td>
            <Td label="Trunks">
              <ul>
                {customer.trunks.map((trunk) => (
                  <li key={trunk.id}>
                    <Link href={`/staff/trunks/${trunk.id}`} className="font-mono">
                      {trunk.username}
                    </Link>
                    {trunk.dids.length ? (
                      <span className="ml-2 font-mono text-xs text-muted-foreground">
                        {trunk.dids.join(", ")}
                        {trunk.moreDids > 0 ? ` and ${trunk.moreDids} more` : null}
                      </span>
                    ) : null}
                  </li>
                ))}
              </ul>
              {customer.moreTrunks > 0 ? (
                <Link href={`/staff/customers/${customer.id}`} className="text-xs text-muted-foreground">
                  and {customer.moreTrunks.toLocaleString("en-US")} more
                </Link>
              ) : null}
            </Td>
            <Td label="Status">
              <StatusBadge kind="customer" status={customer.status} />
            </Td>
            <Td label="Created">
              <DateTime value={customer.createdAt} />
            </Td>
          </tr>
        ))}
      </Table>
      <CursorPagination
        previous={previous}
        next={next}
        href={(page) => `/staff/customers?${new URLSearchParams({ ...listQuery(q, demo), ...page })}`}
      />
    </>
  );
}
