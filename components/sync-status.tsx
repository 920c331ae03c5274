import type { SyncState } from "@/lib/generated/prisma/enums";
import { syncView } from "@/lib/trunks/live-status";
import { type Audience, statusUrl } from "@/lib/trunks/live-status-view";
import { LiveSyncStatus } from "./live-trunk-status";

type SyncFields = {
  id: string;
  syncState: SyncState;
  syncVersion: number;
  syncedAt: Date | null;
  syncRequestedAt: Date | null;
  syncError: string | null;
  syncNextAttemptAt: Date | null;
};

/** Whether the registrar reflects the trunk's latest change; it updates itself while the page is open. */
export function SyncStatus({ trunk, audience = "staff" }: { trunk: SyncFields; audience?: Audience }) {
  return (
    <LiveSyncStatus
      url={statusUrl(trunk.id, audience)}
      audience={audience}
      initial={{ checkedAt: new Date().toISOString(), value: syncView(trunk, audience) }}
    />
  );
}
