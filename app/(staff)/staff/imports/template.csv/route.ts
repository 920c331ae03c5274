import { requirePermission } from "@/lib/auth/guards";
import { csvHeaders } from "@/lib/csv";
import { IMPORT_TEMPLATE } from "@/lib/imports/rows";

export const dynamic = "force-dynamic";

/** The import file's header line and two example rows (a customer with a trunk, a customer without). */
export async function GET() {
  await requirePermission("imports:run");
  return new Response(IMPORT_TEMPLATE, { headers: csvHeaders("trunk-portal-import-template.csv") });
}
