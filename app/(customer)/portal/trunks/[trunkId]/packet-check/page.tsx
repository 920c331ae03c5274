import type { Metadata } from "next";
import { PacketCheckPage } from "@/components/packet-check-page";

export const metadata: Metadata = { title: "Packet check" };

export default async function PortalPacketCheckPage({ params }: { params: Promise<{ trunkId: string }> }) {
  return <PacketCheckPage permission="portal:use" trunkId={(await params).trunkId} />;
}
