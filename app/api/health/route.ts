import { jsonResponse } from "@/lib/json-response";
import { timedRoute } from "@/lib/observability/metrics";

export const dynamic = "force-dynamic";

/** Liveness: the process serves requests. Touches nothing else, so a database outage never restarts the web tier. */
export const GET = timedRoute("/api/health", async () => jsonResponse({ status: "ok" }));
