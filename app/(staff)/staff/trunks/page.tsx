import type { Metadata } from "next";
import Link from "next/link";
import { Button, DateTime, labelClass, PageHeader, Select, StatusBadge, Table, Td } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { getDb } from "@/lib/db";
import { listTrunks, parseSyncFilter, type SyncFilter } from "@/lib/trunks/list";

export const metadata: Metadata = { title: "Trunks" };

const FILTER_LABELS: Record<SyncFilter, string> = {
  failing: "Failing syncs (failed or refused)",
  attention: "Needs attention (any reason)",
  SYNCED: "Synced",
  PENDING: "Pending",
  FAILED: "Failed, retrying",
  NEEDS_ATTENTION: "Refused by the registrar",
};

export default async function TrunksPage({
  searchParams,
}: {
  searchParams: Promise<{ sync?: string; before?: string }>;
}) {
  await requirePermission("trunks:view");
  const params = await searchParams;
  const sync = parseSyncFilter(params.sync);
  const { trunks, next } = await listTrunks(getDb(), { sync, before: params.before });
  return (
    <>
      <PageHeader title="Trunks">Newest first. Find a customer's trunks by searching the customers list.</PageHeader>
      <form className="mb-4 flex flex-wrap items-end gap-2" action="/staff/trunks">
        <div>
          <label htmlFor="sync" className={labelClass}>
            Sync state
          </label>
          <Select id="sync" name="sync" defaultValue={sync ?? ""}>
            <option value="">All trunks</option>
            {(Object.keys(FILTER_LABELS) as SyncFilter[]).map((filter) => (
              <option key={filter} value={filter}>
                {FILTER_LABELS[filter]}
              </option>
            ))}
          </Select>
        </div>
        <Button type="submit">Show</Button>
      </form>
      {trunks.length === 0 ? (
        <p className="text-muted-foreground">
          {sync ? `No trunk is in this state: ${FILTER_LABELS[sync].toLowerCase()}.` : "No trunk yet."}
        </p>
      ) : (
        <Table headers={["SIP username", "Customer", "Trunk", "Registrar"]} caption="Trunks">
          {trunks.map((trunk) => (
            <tr key={trunk.id}>
              <Td label="SIP username" className="font-mono">
                <Link href={`/staff/trunks/${trunk.id}`}>{trunk.username}</Link>
              </Td>
              <Td label="Customer">
                <Link href={`/staff/customers/${trunk.customer.id}`}>{trunk.customer.company}</Link>
              </Td>
              <Td label="Trunk">
                <StatusBadge kind="trunk" status={trunk.status} />
              </Td>
              <Td label="Registrar">
                <StatusBadge kind="sync" status={trunk.syncState} />
                {trunk.syncState === "SYNCED" ? (
                  <span className="block text-xs text-muted-foreground">
                    <DateTime value={trunk.syncedAt} />
                  </span>
                ) : null}
                {trunk.syncError ? (
                  <span className="block font-mono text-xs break-words text-danger">{trunk.syncError}</span>
                ) : null}
                {trunk.syncState === "FAILED" && trunk.syncNextAttemptAt ? (
                  <span className="block text-xs">
                    next attempt <DateTime value={trunk.syncNextAttemptAt} />
                  </span>
                ) : null}
              </Td>
            </tr>
          ))}
        </Table>
      )}
      {next ? (
        <p className="mt-4">
          <Link href={`/staff/trunks?${new URLSearchParams({ ...(sync ? { sync } : {}), before: next })}`}>
            Older trunks
          </Link>
        </p>
      ) : null}
    </>
  );
}
