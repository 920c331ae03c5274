import type { ReactNode } from "react";
import { cn } from "./cn";

/** A titled section of a page. */
export function Card({
  title,
  children,
  actions,
  className,
}: {
  title?: string;
  children: ReactNode;
  actions?: ReactNode;
  className?: string;
}) {
  return (
    <section
      className={cn(
        "mb-6 min-w-0 rounded-lg border border-border bg-card p-4 text-card-foreground shadow-sm sm:p-6",
        className,
      )}
      aria-label={title}
    >
      {title || actions ? (
        <div className="mb-4 flex flex-wrap items-center justify-between gap-2">
          {title ? <h2 className="text-lg font-semibold">{title}</h2> : <span />}
          {actions}
        </div>
      ) : null}
      {children}
    </section>
  );
}
