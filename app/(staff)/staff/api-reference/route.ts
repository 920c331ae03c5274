import { apiReferencePage } from "@/lib/api/reference";
import { requirePermission } from "@/lib/auth/guards";

export const dynamic = "force-dynamic";

/** The interactive API reference (Swagger UI), for staff who may have API keys. */
export async function GET(request: Request) {
  await requirePermission("api-keys:own");
  return apiReferencePage(request);
}
