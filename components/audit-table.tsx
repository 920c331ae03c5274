import type { AuditEntryRow } from "@/lib/audit/query";
import { DateTime, Table, Td } from "./ui";

function describeDetails(details: unknown): string {
  if (!details || typeof details !== "object") return "";
  return Object.entries(details as Record<string, unknown>)
    .map(([key, value]) => `${key}: ${Array.isArray(value) ? value.join(", ") : String(value)}`)
    .join("; ");
}

export function AuditTable({ entries }: { entries: AuditEntryRow[] }) {
  if (entries.length === 0) return <p className="text-muted-foreground">Nothing recorded yet.</p>;
  return (
    <Table headers={["When", "Who", "What", "Target", "From", "Details"]} caption="Audit log">
      {entries.map((entry) => (
        <tr key={entry.id.toString()}>
          <Td label="When" className="sm:whitespace-nowrap">
            <DateTime value={entry.at} />
          </Td>
          <Td label="Who">
            {entry.actorEmail ?? "system"}
            {entry.apiKeyId ? (
              <span className="block text-xs text-muted-foreground">API key {entry.apiKeyId}</span>
            ) : null}
          </Td>
          <Td label="What" className="font-mono">
            {entry.action}
          </Td>
          <Td label="Target">
            {entry.targetType}
            {entry.targetId ? (
              <span className="block font-mono text-xs break-all text-muted-foreground">{entry.targetId}</span>
            ) : null}
          </Td>
          <Td label="From">{entry.ip ?? "—"}</Td>
          <Td label="Details" className="text-muted-foreground">
            {describeDetails(entry.details)}
          </Td>
        </tr>
      ))}
    </Table>
  );
}
