import type { Metadata } from "next";
import Link from "next/link";
import { CursorPagination } from "@/components/cursor-pagination";
import { DemoBadge } from "@/components/demo-badge";
import { Badge, ButtonLink, formatDateTime, PageHeader, Table } from "@/components/ui";
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
            <label htmlFor="q" className="block text-sm font-medium">
              Search company, contact, email, SIP username or DID
            </label>
            <input
              id="q"
              name="q"
              type="search"
              defaultValue={q}
              className="mt-1 block w-full rounded border border-slate-300 px-3 py-2"
            />
          </div>
          <div>
            <label htmlFor="demo" className="block text-sm font-medium">
              Show
            </label>
            <select
              id="demo"
              name="demo"
              defaultValue={demo ?? ""}
              className="mt-1 block rounded border border-slate-300 px-3 py-2"
            >
              <option value="">All customers</option>
              {DEMO_FILTERS.map((filter) => (
                <option key={filter} value={filter}>
                  {DEMO_FILTER_LABELS[filter]}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="rounded bg-slate-800 px-4 py-2 text-sm font-semibold text-white">
            Search
          </button>
        </form>
      </search>
      <p className="mb-2 text-sm text-slate-600" aria-live="polite">
        {describeCount(count)}
        {q ? ` matching “${q}”` : ""}
        {demo ? ` · ${DEMO_FILTER_LABELS[demo].toLowerCase()}` : ""}
      </p>
      <Table headers={["Company", "Contact", "Trunks", "Status", "Created"]} caption="Customers">
        {customers.map((customer) => (
          <tr key={customer.id}>
            <td className="px-2 py-2">
              <Link href={`/staff/customers/${customer.id}`}>{customer.company}</Link>{" "}
              {customer.isDemo ? <DemoBadge customer={customer} /> : null}
            </td>
            <td className="px-2 py-2">
              {customer.contactName}
              <br />
              <span className="text-slate-600">{customer.contactEmail}</span>
            </td>
            <td className="px-2 py-2">
              <ul>
                {customer.trunks.map((trunk) => (
                  <li key={trunk.id}>
                    <Link href={`/staff/trunks/${trunk.id}`} className="font-mono">
                      {trunk.username}
                    </Link>
                    {trunk.dids.length ? (
                      <span className="ml-2 font-mono text-xs text-slate-600">
                        {trunk.dids.join(", ")}
                        {trunk.moreDids > 0 ? ` and ${trunk.moreDids} more` : null}
                      </span>
                    ) : null}
                  </li>
                ))}
              </ul>
              {customer.moreTrunks > 0 ? (
                <Link href={`/staff/customers/${customer.id}`} className="text-xs text-slate-600">
                  and {customer.moreTrunks.toLocaleString("en-US")} more
                </Link>
              ) : null}
            </td>
            <td className="px-2 py-2">
              <Badge color={customer.status === "ACTIVE" ? "green" : "amber"}>{customer.status.toLowerCase()}</Badge>
            </td>
            <td className="px-2 py-2">{formatDateTime(customer.createdAt)}</td>
          </tr>
        ))}
      </Table>
      <CursorPagination
        previous={previous}
        next={next}
        href={(page) =>
          `/staff/customers?${new URLSearchParams({ ...(q ? { q } : {}), ...(demo ? { demo } : {}), ...page })}`
        }
      />
    </>
  );
}
