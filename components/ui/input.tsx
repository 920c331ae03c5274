import type { ComponentProps } from "react";
import { cn } from "./cn";

/** Text inputs, selects and text areas share one look, in forms and in list filters alike. */
export const inputClass =
  "mt-1 block w-full min-w-0 rounded border border-input bg-card px-3 py-2 text-base text-card-foreground shadow-sm focus:border-ring focus:outline-none focus:ring-2 focus:ring-ring/40 aria-[invalid=true]:border-red-600 dark:aria-[invalid=true]:border-red-400";

export const labelClass = "block text-sm font-medium";

export function Input({ className, ...props }: ComponentProps<"input">) {
  return <input className={cn(inputClass, className)} {...props} />;
}

export function Select({ className, ...props }: ComponentProps<"select">) {
  return <select className={cn(inputClass, className)} {...props} />;
}
