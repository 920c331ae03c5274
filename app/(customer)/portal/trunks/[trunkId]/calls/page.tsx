import type { Metadata } from "next";
import { CallsRoute, type CallsRouteProps } from "@/components/calls-page";

export const metadata: Metadata = { title: "Calls" };

export default function PortalCallsPage(props: CallsRouteProps) {
  return <CallsRoute permission="portal:use" area="portal" {...props} />;
}
