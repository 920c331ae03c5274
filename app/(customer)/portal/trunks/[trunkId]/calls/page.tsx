import type { Metadata } from "next";
import { callsRoute } from "@/components/calls-page";

export const metadata: Metadata = { title: "Calls" };

export default callsRoute("portal:use", "portal");
