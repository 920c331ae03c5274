import type { SyncState } from "@/lib/generated/prisma/enums";
import { Badge, formatDateTime } from "./ui";

type SyncFields = {
  syncState: SyncState;
  syncedAt: Date | null;
  syncRequestedAt: Date | null;
  syncError: string | null;
  syncNextAttemptAt: Date | null;
};

/** Whether the registrar reflects the trunk's latest change. */
export function SyncStatus({ trunk }: { trunk: SyncFields }) {
  if (trunk.syncState === "SYNCED") {
    return (
      <p>
        <Badge color="green">Synced</Badge> at {formatDateTime(trunk.syncedAt)}
      </p>
    );
  }
  if (trunk.syncState === "FAILED") {
    return (
      <div>
        <p>
          <Badge color="red">Sync failed</Badge> — next retry {formatDateTime(trunk.syncNextAttemptAt)}
        </p>
        <p className="mt-1 font-mono text-sm text-red-800">{trunk.syncError}</p>
      </div>
    );
  }
  if (trunk.syncState === "NEEDS_ATTENTION") {
    return (
      <div>
        <p>
          <Badge color="red">Refused by the registrar</Badge> — not retried: the trunk needs attention (above).
        </p>
        <p className="mt-1 font-mono text-sm text-red-800">{trunk.syncError}</p>
      </div>
    );
  }
  return (
    <p>
      <Badge color="amber">Pending</Badge> since {formatDateTime(trunk.syncRequestedAt)}
    </p>
  );
}
