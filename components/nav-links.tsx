"use client";

import { LoaderCircle } from "lucide-react";
import Link, { useLinkStatus } from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "./ui/cn";

export type NavItem = { href: string; label: string };

/** Whether `href` is the page shown, or a section containing it (the home link only matches itself). */
function isCurrent(pathname: string, href: string, items: NavItem[]) {
  const isHome = items.some((item) => item.href !== href && item.href.startsWith(`${href}/`));
  return pathname === href || (!isHome && pathname.startsWith(`${href}/`));
}

/** The navigation's links, the current page marked (aria-current) for screen readers and by weight for the eye. */
export function NavLinks({ items, stacked }: { items: NavItem[]; stacked?: boolean }) {
  const pathname = usePathname();
  return (
    <ul className={cn("flex text-sm", stacked ? "flex-col gap-1" : "flex-wrap gap-x-4 gap-y-1")}>
      {items.map((item) => {
        const current = isCurrent(pathname, item.href, items);
        return (
          <li key={item.href}>
            <Link
              href={item.href}
              aria-current={current ? "page" : undefined}
              className={cn("inline-block py-1", stacked && "py-2", current && "font-semibold")}
            >
              {item.label}
              <Pending />
            </Link>
          </li>
        );
      })}
    </ul>
  );
}

/**
 * The loading state of a navigation: a spinner on the link while its page is on its way. (Pages check access before
 * anything is sent, so their 403 and 404 are real statuses; a loading.js boundary would start every response with 200.)
 */
function Pending() {
  const { pending } = useLinkStatus();
  return pending ? <LoaderCircle aria-hidden="true" className="ml-1 inline size-3.5 animate-spin" /> : null;
}
