import { cva, type VariantProps } from "class-variance-authority";
import Link from "next/link";
import type { ComponentProps } from "react";
import { cn } from "./cn";

/** Every button and button-like link of the portal. */
export const buttonVariants = cva(
  "inline-flex items-center justify-center gap-2 rounded font-semibold no-underline transition-colors disabled:cursor-not-allowed disabled:opacity-60 [&_svg]:size-4 [&_svg]:shrink-0",
  {
    variants: {
      variant: {
        primary: "bg-primary text-primary-foreground hover:bg-primary-hover",
        danger: "bg-destructive text-destructive-foreground hover:bg-destructive-hover",
        secondary: "border border-input bg-card text-card-foreground hover:bg-muted",
        /** Looks like a link: for secondary actions inside text, such as "Sign out". */
        link: "p-0 font-normal text-link underline hover:no-underline",
      },
      size: {
        default: "px-4 py-2 text-sm",
        sm: "px-2 py-1 text-xs",
      },
    },
    compoundVariants: [{ variant: "link", className: "px-0 py-0" }],
    defaultVariants: { variant: "primary", size: "default" },
  },
);

export type ButtonVariants = VariantProps<typeof buttonVariants>;

export function Button({
  className,
  variant,
  size,
  type = "button",
  ...props
}: ComponentProps<"button"> & ButtonVariants) {
  return <button type={type} className={cn(buttonVariants({ variant, size }), className)} {...props} />;
}

export function ButtonLink({ className, variant, size, ...props }: ComponentProps<typeof Link> & ButtonVariants) {
  return <Link className={cn(buttonVariants({ variant, size }), className)} {...props} />;
}
