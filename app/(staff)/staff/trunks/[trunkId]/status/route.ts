import { getDb } from "@/lib/db";
import { getTrunk } from "@/lib/trunks";
import { liveStatusResponse } from "@/lib/trunks/live-status-route";

/** The trunk page's live status (sync, registration), polled by the page. */
export async function GET(_request: Request, { params }: { params: Promise<{ trunkId: string }> }) {
  const { trunkId } = await params;
  return liveStatusResponse("trunks:view", "staff", () => getTrunk(getDb(), trunkId));
}
