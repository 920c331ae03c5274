import { commandContext, requirePermission } from "@/lib/auth/guards";
import { csvHeaders } from "@/lib/csv";
import { customerExportQuery, exportCustomersCsv } from "@/lib/exports";

export const dynamic = "force-dynamic";

/** The customers the list shows for the same search and filter, as a CSV file streamed page by page. */
export async function GET(request: Request) {
  await requirePermission("customers:view");
  const query = customerExportQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!query.success) return new Response("Invalid filter", { status: 400 });
  const ctx = await commandContext();
  return new Response(await exportCustomersCsv(ctx, query.data), { headers: csvHeaders("customers.csv") });
}
