import type { Metadata } from "next";
import Link from "next/link";
import { DemoBadge } from "@/components/demo-badge";
import {
  Button,
  ButtonLink,
  DateTime,
  Input,
  labelClass,
  PageHeader,
  Pagination,
  Select,
  StatusBadge,
  Table,
  Td,
} from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { can } from "@/lib/auth/policy";
import { DEMO_ENDING_SOON_DAYS, DEMO_FILTERS, type DemoFilter, searchCustomers } from "@/lib/customers";
import { getDb } from "@/lib/db";
import { page as pageSchema } from "@/lib/validation";

export const metadata: Metadata = { title: "Customers" };

const DEMO_FILTER_LABELS: Record<DemoFilter, string> = {
  ending: `Demos ending within ${DEMO_ENDING_SOON_DAYS} days`,
  ended: "Demos that have ended",
};

/** The export's query: the same search and filter as the list. */
function exportQuery(q: string, demo: DemoFilter | null) {
  const params = new URLSearchParams();
  if (q) params.set("q", q);
  if (demo) params.set("demo", demo);
  return params.toString();
}

export default async function CustomersPage({
  searchParams,
}: {
  searchParams: Promise<{ q?: string; page?: string; demo?: string }>;
}) {
  const actor = await requirePermission("customers:view");
  const { q = "", page: rawPage, demo: rawDemo } = await searchParams;
  const page = pageSchema.parse(rawPage);
  const demo = DEMO_FILTERS.find((filter) => filter === rawDemo) ?? null;
  const { customers, total, pages } = await searchCustomers(getDb(), q, page, demo);
  return (
    <>
      <PageHeader
        title="Customers"
        actions={
          can(actor, "customers:create") ? (
            <>
              <ButtonLink href="/staff/demo/new">New demo account</ButtonLink>
              <ButtonLink href="/staff/customers/new" variant="secondary">
                New customer
              </ButtonLink>
            </>
          ) : null
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
        {total} {total === 1 ? "customer" : "customers"}
        {q ? ` matching “${q}”` : ""}
        {demo ? ` · ${DEMO_FILTER_LABELS[demo].toLowerCase()}` : ""}
        {" · "}
        <a href={`/staff/customers/export.csv?${exportQuery(q, demo)}`} download>
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
                        {trunk.dids.map((did) => did.number).join(", ")}
                      </span>
                    ) : null}
                  </li>
                ))}
              </ul>
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
      <Pagination
        page={page}
        pages={pages}
        href={(n) =>
          `/staff/customers?${new URLSearchParams({ ...(q ? { q } : {}), ...(demo ? { demo } : {}), page: String(n) })}`
        }
      />
    </>
  );
}
