import "server-only";
import { revalidatePath } from "next/cache";
import { forbidden, notFound, redirect } from "next/navigation";
import { z } from "zod";
import { commandContext, TWO_FACTOR_SETUP_PATH } from "./auth/guards";
import { type Command, executeCommand, type FieldErrors } from "./commands";
import { email } from "./validation";

export type FormState = {
  ok?: boolean;
  message?: string;
  formError?: string;
  fieldErrors?: FieldErrors;
  /** What the user typed, so a rejected form comes back filled in (React resets forms after an action). */
  values?: Record<string, string | string[]>;
  /** Data the page shows after success, e.g. a revealed password. */
  data?: Record<string, string>;
};

/** Fields never echoed back to the browser. */
const SECRET_FIELDS = /password|secret|token/i;

export function formDataToObject(formData: FormData): Record<string, string | string[]> {
  const object: Record<string, string | string[]> = {};
  for (const key of new Set(formData.keys())) {
    if (key.startsWith("$ACTION")) continue;
    const values = formData.getAll(key).filter((value): value is string => typeof value === "string");
    object[key] = values.length === 1 ? (values[0] as string) : values;
  }
  return object;
}

/**
 * The one way the UI changes anything: resolves the signed-in user, runs the command (which checks the permission
 * and validates the input), and turns the outcome into form state, a redirect, a 403 or a 404.
 */
export function serverAction<Schema extends z.ZodType, Result>(
  command: Command<Schema, Result>,
  options: {
    redirectTo?: (result: Result) => string;
    message?: string;
    data?: (result: Result) => Record<string, string>;
  } = {},
) {
  return async (_previous: FormState, formData: FormData): Promise<FormState> => {
    const ctx = await commandContext();
    if (!ctx.actor) redirect("/sign-in");
    const input = formDataToObject(formData);
    const result = await executeCommand(command, ctx, input);
    if (!result.ok) {
      if (result.reason === "forbidden") forbidden();
      if (result.reason === "not-found") notFound();
      if (result.reason === "two-factor-due") redirect(TWO_FACTOR_SETUP_PATH);
      const values = Object.fromEntries(Object.entries(input).filter(([key]) => !SECRET_FIELDS.test(key)));
      return { ok: false, formError: result.formError, fieldErrors: result.fieldErrors, values };
    }
    revalidatePath("/", "layout");
    if (options.redirectTo) redirect(options.redirectTo(result.value));
    return { ok: true, message: options.message, data: options.data?.(result.value) };
  };
}

/**
 * The `email` field of a form anyone may send (a sign-in link, a password reset): the address, or the form state
 * that asks for a valid one.
 */
export function emailFromForm(formData: FormData): { email: string } | { invalid: FormState } {
  const parsed = z.object({ email }).safeParse({ email: formData.get("email") });
  if (parsed.success) return { email: parsed.data.email };
  return {
    invalid: {
      ok: false,
      fieldErrors: { email: ["Enter a valid email address."] },
      values: { email: String(formData.get("email") ?? "") },
    },
  };
}
