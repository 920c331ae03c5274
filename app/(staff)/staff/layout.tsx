import Link from "next/link";
import type { ReactNode } from "react";
import { signOutAction } from "@/app/(auth)/sign-in/actions";
import { requireStaff } from "@/lib/auth/guards";
import { can, type Permission } from "@/lib/auth/policy";

const NAV: { href: string; label: string; permission: Permission }[] = [
  { href: "/staff/customers", label: "Customers", permission: "customers:view" },
  { href: "/staff/demo/new", label: "New demo account", permission: "demo:create" },
  { href: "/staff/imports", label: "Imports", permission: "imports:run" },
  { href: "/staff/registrar", label: "Registrar", permission: "registrar:sync" },
  { href: "/staff/mail", label: "Mail", permission: "mail:view" },
  { href: "/staff/audit", label: "Audit log", permission: "audit:view" },
  { href: "/staff/users", label: "Staff", permission: "staff:manage" },
  { href: "/staff/servers", label: "SIP servers", permission: "servers:manage" },
  { href: "/staff/settings", label: "Settings", permission: "settings:manage" },
  { href: "/staff/api-keys", label: "API keys", permission: "api-keys:own" },
  { href: "/staff/account", label: "My account", permission: "account:security" },
];

export default async function StaffLayout({ children }: { children: ReactNode }) {
  const actor = await requireStaff();
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-3 px-4 py-3">
          <Link href="/staff/customers" className="font-bold text-slate-900 no-underline">
            Trunk Portal
          </Link>
          <nav aria-label="Staff">
            <ul className="flex flex-wrap gap-4 text-sm">
              {NAV.filter((item) => can(actor, item.permission)).map((item) => (
                <li key={item.href}>
                  <Link href={item.href}>{item.label}</Link>
                </li>
              ))}
            </ul>
          </nav>
          <form action={signOutAction} className="flex items-center gap-3 text-sm">
            <span className="text-slate-600">
              {actor.email} · {actor.role.toLowerCase()}
            </span>
            <button type="submit" className="underline">
              Sign out
            </button>
          </form>
        </div>
      </header>
      <main className="mx-auto max-w-6xl px-4 py-6">{children}</main>
    </div>
  );
}
