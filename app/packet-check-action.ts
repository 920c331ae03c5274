"use server";

import { notFound } from "next/navigation";
import { commandContext } from "@/lib/auth/guards";
import { NotFoundError } from "@/lib/errors";
import { type PacketCheckState, runPacketCheck } from "@/lib/packet-check/service";

/** The packet check's server action, for staff and customers alike (the service decides which trunk each may check). */
export async function packetCheckAction(_previous: PacketCheckState, formData: FormData): Promise<PacketCheckState> {
  try {
    return await runPacketCheck(await commandContext(), formData);
  } catch (error) {
    if (error instanceof NotFoundError) notFound();
    throw error;
  }
}
