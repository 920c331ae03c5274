import { cva, type VariantProps } from "class-variance-authority";
import type { ReactNode } from "react";
import { cn } from "./cn";

/** A boxed message: a form's outcome, a warning, a page-level notice. */
export const alertVariants = cva("rounded border px-3 py-2 text-sm [&_a]:text-inherit [&_a]:underline", {
  variants: {
    tone: {
      success:
        "border-green-300 bg-green-50 text-green-800 dark:border-green-800 dark:bg-green-950 dark:text-green-200",
      danger: "border-red-300 bg-red-50 text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200",
      warning:
        "border-amber-300 bg-amber-50 text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100",
      info: "border-blue-200 bg-blue-50 text-blue-900 dark:border-blue-800 dark:bg-blue-950 dark:text-blue-100",
    },
  },
  defaultVariants: { tone: "info" },
});

export type AlertTone = NonNullable<VariantProps<typeof alertVariants>["tone"]>;

export function Alert({
  tone,
  role,
  className,
  children,
  testId,
}: {
  tone?: AlertTone;
  /** "alert" for what went wrong, "status" for an outcome, "note" for advice. */
  role?: "alert" | "status" | "note";
  className?: string;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <div role={role} className={cn(alertVariants({ tone }), className)} data-testid={testId}>
      {children}
    </div>
  );
}
