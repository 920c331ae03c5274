import type { Metadata } from "next";
import Link from "next/link";
import { AuditTable } from "@/components/audit-table";
import { Card, PageHeader } from "@/components/ui";
import { auditFilterFromParams, listAudit } from "@/lib/audit/query";
import { requirePermission } from "@/lib/auth/guards";
import { getDb } from "@/lib/db";

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditPage({
  searchParams,
}: {
  searchParams: Promise<{
    action?: string;
    actor?: string;
    customerId?: string;
    from?: string;
    to?: string;
    before?: string;
  }>;
}) {
  await requirePermission("audit:view");
  const params = await searchParams;
  const { entries, more } = await listAudit(getDb(), auditFilterFromParams(params));
  const next = new URLSearchParams({ ...params, before: String(more ?? "") });
  return (
    <>
      <PageHeader title="Audit log" />
      <Card>
        <form className="mb-4 grid gap-3 sm:grid-cols-5" action="/staff/audit">
          {[
            ["action", "Action starts with", "text"],
            ["actor", "Who (email)", "text"],
            ["customerId", "Customer id", "text"],
            ["from", "From", "date"],
            ["to", "To", "date"],
          ].map(([name, label, type]) => (
            <div key={name}>
              <label htmlFor={`filter-${name}`} className="block text-sm font-medium">
                {label}
              </label>
              <input
                id={`filter-${name}`}
                name={name}
                type={type}
                defaultValue={params[name as keyof typeof params] ?? ""}
                className="mt-1 block w-full rounded border border-slate-300 px-2 py-1"
              />
            </div>
          ))}
          <button
            type="submit"
            className="rounded bg-slate-800 px-4 py-2 text-sm font-semibold text-white sm:col-span-5 sm:w-max"
          >
            Filter
          </button>
        </form>
        <AuditTable entries={entries} />
        {more ? (
          <p className="mt-4">
            <Link href={`/staff/audit?${next}`}>Older entries</Link>
          </p>
        ) : null}
      </Card>
    </>
  );
}
