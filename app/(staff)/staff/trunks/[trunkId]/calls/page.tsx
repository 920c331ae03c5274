import type { Metadata } from "next";
import { CallsPage } from "@/components/calls-page";

export const metadata: Metadata = { title: "Calls" };

export default async function StaffCallsPage({
  params,
  searchParams,
}: {
  params: Promise<{ trunkId: string }>;
  searchParams: Promise<{ outcome?: string; before?: string }>;
}) {
  const { trunkId } = await params;
  return (
    <CallsPage
      permission="trunks:view"
      trunkId={trunkId}
      basePath={`/staff/trunks/${trunkId}/calls`}
      search={await searchParams}
    />
  );
}
