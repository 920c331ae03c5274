import Link from "next/link";
import { requirePermission } from "@/lib/auth/guards";
import type { Permission } from "@/lib/auth/policy";
import { parseOutcome, trunkCalls } from "@/lib/calls";
import { getDb } from "@/lib/db";
import { orNotFound } from "@/lib/or-not-found";
import { getRegistrar } from "@/lib/registrar";
import { helpPath, visibleTrunk } from "@/lib/trunks/access";
import { Badge, Card, formatDateTime, PageHeader, Table, Td } from "./ui";

const formatDuration = (seconds: number | null) =>
  seconds === null ? "—" : `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;

/** A trunk's recent calls with the reason of each outcome, the same page for staff and the customer. */
export async function CallsPage({
  permission,
  trunkId,
  basePath,
  search,
}: {
  permission: Permission;
  trunkId: string;
  /** This page's own path, for the filter and paging links. */
  basePath: string;
  search: { outcome?: string; before?: string };
}) {
  const actor = await requirePermission(permission);
  const trunk = await orNotFound(visibleTrunk(getDb(), actor, trunkId));
  const outcome = parseOutcome(search.outcome);
  const page = await trunkCalls(
    getRegistrar(),
    { ...trunk, isDemo: trunk.customer.isDemo },
    { outcome, cursor: search.before },
  );
  const help = helpPath(actor, trunk.id);
  const link = (params: Record<string, string | undefined>) => {
    const query = new URLSearchParams(Object.entries(params).filter((entry): entry is [string, string] => !!entry[1]));
    return query.size ? `${basePath}?${query}` : basePath;
  };
  return (
    <>
      <PageHeader title={`Calls: ${trunk.username}`}>
        Recent calls of this trunk as our servers saw them, with the reason for every call that did not connect.
      </PageHeader>
      <Card>
        <form method="get" action={basePath} className="mb-4 flex flex-wrap items-end gap-3" aria-label="Filter calls">
          <div>
            <label htmlFor="outcome" className="block text-sm font-medium">
              Outcome
            </label>
            <select
              id="outcome"
              name="outcome"
              defaultValue={outcome ?? ""}
              className="mt-1 rounded border border-input bg-card px-2 py-1"
            >
              <option value="">All calls</option>
              <option value="answered">Answered</option>
              <option value="failed">Refused or failed</option>
            </select>
          </div>
          <button type="submit" className="rounded border border-border px-3 py-1 text-sm font-semibold">
            Show
          </button>
        </form>
        {page.state === "unavailable" ? (
          <p role="alert">
            <Badge color="amber">Unknown</Badge> The call records could not be read: {page.error}
          </p>
        ) : page.calls.length === 0 ? (
          <p>No calls{outcome ? " with this outcome" : ""} recorded.</p>
        ) : (
          <Table headers={["Time", "Direction", "From", "To", "Duration", "Result", "Reason"]} caption="Calls">
            {page.calls.map((call) => (
              <tr key={call.id} data-testid="call-row">
                <Td label="Time" className="sm:whitespace-nowrap">
                  {formatDateTime(call.at)}
                </Td>
                <Td label="Direction">{call.direction === "out" ? "Outbound" : "Inbound"}</Td>
                <Td label="From" className="font-mono">
                  {call.from}
                </Td>
                <Td label="To" className="font-mono">
                  {call.to}
                </Td>
                <Td label="Duration">{formatDuration(call.durationSeconds)}</Td>
                <Td label="Result">
                  <Badge color={call.answered ? "green" : "red"}>{call.status}</Badge>
                </Td>
                <Td label="Reason">
                  {call.answered ? "Answered" : `${call.status} — ${call.explanation.text}`}
                  {!call.answered && call.explanation.topic ? (
                    <>
                      {" "}
                      <Link className="text-link underline" href={`${help}#help-${call.explanation.topic}`}>
                        How to fix
                      </Link>
                    </>
                  ) : null}
                </Td>
              </tr>
            ))}
          </Table>
        )}
        <nav aria-label="Pages" className="mt-4 flex gap-4 text-sm">
          {search.before ? <Link href={link({ outcome })}>Newest calls</Link> : null}
          {page.state === "ok" && page.nextCursor ? (
            <Link href={link({ outcome, before: page.nextCursor })}>Older calls</Link>
          ) : null}
        </nav>
      </Card>
    </>
  );
}

export type CallsRouteProps = {
  params: Promise<{ trunkId: string }>;
  searchParams: Promise<{ outcome?: string; before?: string }>;
};

/** The calls route for one audience: staff (`/staff/trunks/…`) or the customer (`/portal/trunks/…`). */
export async function CallsRoute({
  permission,
  area,
  params,
  searchParams,
}: CallsRouteProps & { permission: Permission; area: "staff" | "portal" }) {
  const { trunkId } = await params;
  return (
    <CallsPage
      permission={permission}
      trunkId={trunkId}
      basePath={`/${area}/trunks/${trunkId}/calls`}
      search={await searchParams}
    />
  );
}
