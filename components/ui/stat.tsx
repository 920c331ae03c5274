import { cva, type VariantProps } from "class-variance-authority";
import Link from "next/link";
import type { ReactNode } from "react";
import { cn } from "./cn";

const statVariants = cva(
  "block rounded-lg border bg-card p-4 text-card-foreground no-underline shadow-sm transition-colors hover:bg-muted",
  {
    variants: {
      tone: {
        neutral: "border-border",
        good: "border-green-600 dark:border-green-500",
        warning: "border-amber-500",
        bad: "border-red-600 dark:border-red-500",
      },
    },
    defaultVariants: { tone: "neutral" },
  },
);

/** A number that leads somewhere: a tile on the staff home page, linking to the list it counts. */
export function Stat({
  href,
  label,
  value,
  hint,
  tone,
  className,
}: {
  href?: string;
  label: string;
  value: ReactNode;
  hint?: ReactNode;
  className?: string;
} & VariantProps<typeof statVariants>) {
  const body = (
    <>
      <span className="block text-3xl font-bold tabular-nums">{value}</span>
      <span className="mt-1 block font-medium">{label}</span>
      {hint ? <span className="mt-1 block text-sm text-muted-foreground">{hint}</span> : null}
    </>
  );
  return href ? (
    <Link href={href} className={cn(statVariants({ tone }), className)}>
      {body}
    </Link>
  ) : (
    <div className={cn(statVariants({ tone }), "hover:bg-card", className)}>{body}</div>
  );
}
