import type { AuditEntryRow } from "@/lib/audit/query";
import { formatDateTime, Table } from "./ui";

function describeDetails(details: unknown): string {
  if (!details || typeof details !== "object") return "";
  return Object.entries(details as Record<string, unknown>)
    .map(([key, value]) => `${key}: ${Array.isArray(value) ? value.join(", ") : String(value)}`)
    .join("; ");
}

export function AuditTable({ entries }: { entries: AuditEntryRow[] }) {
  if (entries.length === 0) return <p className="text-slate-600">Nothing recorded yet.</p>;
  return (
    <Table headers={["When", "Who", "What", "Target", "From", "Details"]} caption="Audit log">
      {entries.map((entry) => (
        <tr key={entry.id.toString()}>
          <td className="whitespace-nowrap px-2 py-2">{formatDateTime(entry.at)}</td>
          <td className="px-2 py-2">
            {entry.actorEmail ?? "system"}
            {entry.apiKeyId ? <span className="block text-xs text-slate-500">API key {entry.apiKeyId}</span> : null}
          </td>
          <td className="px-2 py-2 font-mono">{entry.action}</td>
          <td className="px-2 py-2">
            {entry.targetType}
            {entry.targetId ? <span className="block font-mono text-xs text-slate-500">{entry.targetId}</span> : null}
          </td>
          <td className="px-2 py-2">{entry.ip ?? "—"}</td>
          <td className="px-2 py-2 text-slate-700">{describeDetails(entry.details)}</td>
        </tr>
      ))}
    </Table>
  );
}
