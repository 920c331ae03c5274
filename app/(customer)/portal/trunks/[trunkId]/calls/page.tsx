import type { Metadata } from "next";
import { CallsPage } from "@/components/calls-page";

export const metadata: Metadata = { title: "Calls" };

export default async function PortalCallsPage({
  params,
  searchParams,
}: {
  params: Promise<{ trunkId: string }>;
  searchParams: Promise<{ outcome?: string; before?: string }>;
}) {
  const { trunkId } = await params;
  return (
    <CallsPage
      permission="portal:use"
      trunkId={trunkId}
      basePath={`/portal/trunks/${trunkId}/calls`}
      search={await searchParams}
    />
  );
}
