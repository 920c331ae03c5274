import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { metrics, metricsResponse, timedRoute } from "@/lib/observability/metrics";

export const dynamic = "force-dynamic";

/** Prometheus metrics of this web instance, for a scraper holding METRICS_TOKEN (404 when none is configured). */
export const GET = timedRoute("/api/metrics", async (request) => {
  metrics().watchQueue(getDb());
  const { status, contentType, body } = await metricsResponse(
    request.headers.get("authorization"),
    env().METRICS_TOKEN,
  );
  return new Response(body, { status, headers: { "Content-Type": contentType, "Cache-Control": "no-store" } });
});
