import type { Metadata } from "next";
import { PacketCheckPage } from "@/components/packet-check-page";

export const metadata: Metadata = { title: "Packet check" };

export default async function StaffPacketCheckPage({ params }: { params: Promise<{ trunkId: string }> }) {
  return <PacketCheckPage permission="trunks:view" trunkId={(await params).trunkId} />;
}
