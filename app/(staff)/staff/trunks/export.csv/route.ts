import { commandContext, requirePermission } from "@/lib/auth/guards";
import { csvHeaders } from "@/lib/csv";
import { exportTrunksCsv, trunkExportQuery } from "@/lib/exports";

export const dynamic = "force-dynamic";

/**
 * Trunks as a CSV file streamed page by page, filtered like the API's trunk list (customerId, status, syncState,
 * username). No password, HA1 or secret is in it; its first columns are the import's, so it can be imported again.
 */
export async function GET(request: Request) {
  await requirePermission("trunks:view");
  const query = trunkExportQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!query.success) return new Response("Invalid filter", { status: 400 });
  const ctx = await commandContext();
  return new Response(await exportTrunksCsv(ctx, query.data), { headers: csvHeaders("trunks.csv") });
}
