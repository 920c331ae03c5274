import type { ReactNode } from "react";
import { cn } from "./cn";

/** Something shown on request (a form that is not needed every time), with a native, keyboard-usable disclosure. */
export function Disclosure({
  summary,
  children,
  className,
}: {
  summary: string;
  children: ReactNode;
  className?: string;
}) {
  return (
    <details className={cn("mt-4", className)}>
      <summary className="cursor-pointer text-sm text-link">{summary}</summary>
      {children}
    </details>
  );
}
