import { getDb } from "@/lib/db";
import { jsonResponse } from "@/lib/json-response";
import { readiness } from "@/lib/observability/health";
import { requestLog } from "@/lib/observability/log";
import { timedRoute } from "@/lib/observability/metrics";
import { getRegistrar } from "@/lib/registrar";

export const dynamic = "force-dynamic";

/**
 * Readiness for a load balancer: 503 when the database does not answer; registrar and queue lag reported. The answer
 * is public, so the checks' error messages (addresses, hostnames) go to the log only.
 */
export const GET = timedRoute("/api/ready", async () => {
  const { httpStatus, body } = await readiness(getDb(), getRegistrar);
  if (body.status !== "ready") (await requestLog()).warn({ checks: body.checks }, `readiness: ${body.status}`);
  const checks = Object.fromEntries(
    Object.entries(body.checks).map(([name, { error: _error, ...check }]) => [name, check]),
  );
  return jsonResponse({ ...body, checks }, { status: httpStatus });
});
