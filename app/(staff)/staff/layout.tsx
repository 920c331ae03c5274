import type { ReactNode } from "react";
import { SiteHeader } from "@/components/site-header";
import { requireStaff } from "@/lib/auth/guards";
import { can, type Permission } from "@/lib/auth/policy";

const NAV: { href: string; label: string; permission: Permission }[] = [
  { href: "/staff", label: "Home", permission: "trunks:view" },
  { href: "/staff/customers", label: "Customers", permission: "customers:view" },
  { href: "/staff/trunks", label: "Trunks", permission: "trunks:view" },
  { href: "/staff/demo/new", label: "New demo account", permission: "demo:create" },
  { href: "/staff/imports", label: "Imports", permission: "imports:run" },
  { href: "/staff/registrar", label: "Registrar", permission: "registrar:sync" },
  { href: "/staff/mail", label: "Mail", permission: "mail:view" },
  { href: "/staff/audit", label: "Audit log", permission: "audit:view" },
  { href: "/staff/users", label: "Staff", permission: "staff:manage" },
  { href: "/staff/servers", label: "SIP servers", permission: "servers:manage" },
  { href: "/staff/settings", label: "Settings", permission: "settings:manage" },
  { href: "/staff/api-keys", label: "API keys", permission: "api-keys:own" },
  { href: "/staff/webhooks", label: "Webhooks", permission: "webhooks:manage" },
  { href: "/staff/account", label: "My account", permission: "account:security" },
];

export default async function StaffLayout({ children }: { children: ReactNode }) {
  const actor = await requireStaff();
  return (
    <div className="min-h-screen">
      <SiteHeader
        home="/staff"
        title="Trunk Portal"
        navLabel="Staff"
        items={NAV.filter((item) => can(actor, item.permission)).map(({ href, label }) => ({ href, label }))}
        account={{ email: actor.email, role: actor.role }}
      />
      <main className="mx-auto max-w-6xl px-4 py-6">{children}</main>
    </div>
  );
}
