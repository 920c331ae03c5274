import { type ClassValue, clsx } from "clsx";
import { twMerge } from "tailwind-merge";

/** Joins class names; a later Tailwind class overrides an earlier one of the same kind (a caller's `mt-4` wins). */
export function cn(...inputs: ClassValue[]) {
  return twMerge(clsx(inputs));
}
