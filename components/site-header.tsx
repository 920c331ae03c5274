import Image from "next/image";
import Link from "next/link";
import type { ReactNode } from "react";
import { signOutAction } from "@/app/(auth)/sign-in/actions";
import { MobileMenu } from "./mobile-menu";
import { type NavItem, NavLinks } from "./nav-links";
import { Button } from "./ui/button";

/**
 * The top bar of the staff portal and the customer portal: the links in a row on wide screens, behind a "Menu"
 * disclosure on phones (a <details> element: it opens without any script, so it works under the CSP too).
 */
export function SiteHeader({
  home,
  title,
  navLabel,
  items,
  account,
  width = "max-w-6xl",
}: {
  home: string;
  title: string;
  navLabel: string;
  items: NavItem[];
  /** Who is signed in; null shows no navigation and no sign-out (a signed-out visitor). */
  account: { email: string; role?: string } | null;
  width?: "max-w-6xl" | "max-w-4xl";
}) {
  const signOut: ReactNode = account ? (
    <form action={signOutAction} className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
      <span className="break-all text-muted-foreground">
        {account.email}
        {account.role ? ` · ${account.role.toLowerCase()}` : ""}
      </span>
      <Button type="submit" variant="link">
        Sign out
      </Button>
    </form>
  ) : null;
  return (
    <header className="relative border-b border-border bg-card text-card-foreground">
      <div className={`mx-auto flex ${width} items-center justify-between gap-x-6 gap-y-3 px-4 py-3`}>
        <Link href={home} className="flex shrink-0 items-center gap-2 font-bold text-foreground no-underline">
          <Image src="/icon.svg" alt="" width={28} height={28} unoptimized />
          {title}
        </Link>
        {account ? (
          <>
            <div className="hidden grow flex-wrap items-center justify-between gap-x-6 gap-y-2 lg:flex">
              {items.length ? (
                <nav aria-label={navLabel}>
                  <NavLinks items={items} />
                </nav>
              ) : (
                <span />
              )}
              {signOut}
            </div>
            <MobileMenu>
              {items.length ? (
                <nav aria-label={navLabel} className="mb-3 border-b border-border pb-3">
                  <NavLinks items={items} stacked />
                </nav>
              ) : null}
              {signOut}
            </MobileMenu>
          </>
        ) : null}
      </div>
    </header>
  );
}
