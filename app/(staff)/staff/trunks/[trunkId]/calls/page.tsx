import type { Metadata } from "next";
import { callsRoute } from "@/components/calls-page";

export const metadata: Metadata = { title: "Calls" };

export default callsRoute("trunks:view", "staff");
