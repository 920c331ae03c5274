import Link from "next/link";
import type { ReactNode } from "react";
import { signOutAction } from "@/app/(auth)/sign-in/actions";
import { currentActor } from "@/lib/auth/guards";

export default async function PortalLayout({ children }: { children: ReactNode }) {
  const actor = await currentActor();
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-4xl flex-wrap items-center justify-between gap-3 px-4 py-3">
          <Link href="/portal" className="font-bold text-slate-900 no-underline">
            My SIP trunks
          </Link>
          {actor ? (
            <form action={signOutAction} className="flex items-center gap-3 text-sm">
              <span className="text-slate-600">{actor.email}</span>
              <button type="submit" className="underline">
                Sign out
              </button>
            </form>
          ) : null}
        </div>
      </header>
      <main className="mx-auto max-w-4xl px-4 py-6">{children}</main>
    </div>
  );
}
