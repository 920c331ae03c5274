import { requirePermission } from "@/lib/auth/guards";
import { csvHeaders } from "@/lib/csv";
import { getDb } from "@/lib/db";
import { importResultCsv } from "@/lib/imports";
import { isId } from "@/lib/validation";

export const dynamic = "force-dynamic";

/** Row → customer, username, status (never a password): what the import did with each line of the file. */
export async function GET(_request: Request, { params }: { params: Promise<{ importId: string }> }) {
  await requirePermission("imports:run");
  const { importId } = await params;
  const csv = isId(importId) ? await importResultCsv(getDb(), importId) : null;
  if (csv === null) return new Response("Not found", { status: 404 });
  return new Response(csv, { headers: csvHeaders(`import-${importId}-result.csv`) });
}
