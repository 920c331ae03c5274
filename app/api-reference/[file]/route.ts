import { apiReferenceAsset } from "@/lib/api/reference";

/** Swagger UI's own files, served by the portal: the reference page loads nothing from elsewhere. */
export async function GET(_request: Request, { params }: { params: Promise<{ file: string }> }) {
  return apiReferenceAsset((await params).file);
}
