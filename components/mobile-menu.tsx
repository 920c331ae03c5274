"use client";

import { Menu } from "lucide-react";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";
import { buttonVariants } from "./ui/button";
import { cn } from "./ui/cn";

/**
 * The navigation on narrow screens: a native disclosure, so it opens with a tap or the keyboard even before (or
 * without) any script. Keyed by the address, so it closes again once a link inside it was followed.
 */
export function MobileMenu({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  return (
    <details key={pathname} className="lg:hidden">
      <summary
        className={cn(
          buttonVariants({ variant: "secondary" }),
          "cursor-pointer list-none [&::-webkit-details-marker]:hidden",
        )}
      >
        <Menu aria-hidden="true" />
        Menu
      </summary>
      <div className="absolute inset-x-0 top-full z-20 border-b border-border bg-card px-4 py-3 shadow-lg">
        {children}
      </div>
    </details>
  );
}
