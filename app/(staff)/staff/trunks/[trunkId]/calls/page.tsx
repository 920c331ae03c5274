import type { Metadata } from "next";
import { CallsRoute, type CallsRouteProps } from "@/components/calls-page";

export const metadata: Metadata = { title: "Calls" };

export default function StaffCallsPage(props: CallsRouteProps) {
  return <CallsRoute permission="trunks:view" area="staff" {...props} />;
}
