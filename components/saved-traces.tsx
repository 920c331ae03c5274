import type { listSavedTraces } from "@/lib/packet-check/service";
import { formatDateTime } from "./ui";

/** The trunk's ticket history: packet checks someone chose to save (kept 30 days). */
export function SavedTraces({ traces }: { traces: Awaited<ReturnType<typeof listSavedTraces>> }) {
  if (traces.length === 0) return <p className="text-sm text-muted-foreground">No saved traces.</p>;
  return (
    <ul className="space-y-3">
      {traces.map((trace) => (
        <li key={trace.id}>
          <details>
            <summary className="cursor-pointer text-sm">
              {formatDateTime(trace.createdAt)} by {trace.savedByEmail}: {trace.messageCount} messages,{" "}
              {trace.errorCount} problems (kept until {formatDateTime(trace.expiresAt)})
            </summary>
            <pre className="mt-2 max-h-96 overflow-auto rounded bg-code p-3 font-mono text-xs text-code-foreground">
              {trace.text}
            </pre>
          </details>
        </li>
      ))}
    </ul>
  );
}
