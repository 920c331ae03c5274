import type { ReactNode } from "react";
import { SiteHeader } from "@/components/site-header";
import { currentActor } from "@/lib/auth/guards";
import { can } from "@/lib/auth/policy";

const CUSTOMER_NAV = [
  { href: "/portal", label: "My trunks" },
  { href: "/portal/people", label: "People" },
];

export default async function PortalLayout({ children }: { children: ReactNode }) {
  const actor = await currentActor();
  return (
    <div className="min-h-screen">
      <SiteHeader
        home="/portal"
        title="My SIP trunks"
        navLabel="Customer portal"
        items={can(actor, "portal:use") ? CUSTOMER_NAV : []}
        account={actor ? { email: actor.email } : null}
        width="max-w-4xl"
      />
      <main className="mx-auto max-w-4xl px-4 py-6">{children}</main>
    </div>
  );
}
