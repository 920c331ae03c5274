import { getDb } from "@/lib/db";
import { getOwnTrunk } from "@/lib/portal";
import { liveStatusResponse } from "@/lib/trunks/live-status-route";

/** The customer's trunk page's live status, for their own trunks only (another's is a 404), polled by the page. */
export async function GET(_request: Request, { params }: { params: Promise<{ trunkId: string }> }) {
  const { trunkId } = await params;
  return liveStatusResponse("portal:use", "customer", (actor) => getOwnTrunk(getDb(), actor, trunkId));
}
