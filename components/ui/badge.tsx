import { cva, type VariantProps } from "class-variance-authority";
import type { ReactNode } from "react";
import { cn } from "./cn";

export const badgeVariants = cva(
  "inline-flex max-w-full items-center gap-1 rounded px-2 py-0.5 text-xs font-semibold [&_svg]:size-3.5 [&_svg]:shrink-0",
  {
    variants: {
      color: {
        green: "bg-green-100 text-green-800 dark:bg-green-950 dark:text-green-200",
        red: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-200",
        amber: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
        slate: "bg-slate-100 text-slate-800 dark:bg-slate-800 dark:text-slate-200",
        blue: "bg-blue-100 text-blue-800 dark:bg-blue-950 dark:text-blue-200",
      },
    },
    defaultVariants: { color: "slate" },
  },
);

export type BadgeColor = NonNullable<VariantProps<typeof badgeVariants>["color"]>;

export function Badge({
  children,
  color,
  icon,
  className,
}: {
  children: ReactNode;
  color?: BadgeColor;
  /** A lucide icon, decorative: the text says it all. */
  icon?: ReactNode;
  className?: string;
}) {
  return (
    <span className={cn(badgeVariants({ color }), className)}>
      {icon}
      <span className="min-w-0">{children}</span>
    </span>
  );
}
