"use server";

import { redirect } from "next/navigation";
import { type FormState, formDataToObject } from "@/lib/actions";
import { requestMeta } from "@/lib/auth/guards";
import { resetPassword, resetPasswordInput } from "@/lib/auth/password-reset";
import { fieldErrorsOf } from "@/lib/commands";
import { getDb } from "@/lib/db";
import { ConflictError } from "@/lib/errors";

export async function resetPasswordAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const parsed = resetPasswordInput.safeParse(formDataToObject(formData));
  if (!parsed.success) {
    return { ok: false, formError: "Please correct the highlighted fields.", fieldErrors: fieldErrorsOf(parsed.error) };
  }
  try {
    await resetPassword(getDb(), parsed.data, await requestMeta());
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    return error.field
      ? { ok: false, fieldErrors: { [error.field]: [error.message] } }
      : { ok: false, formError: error.message };
  }
  redirect("/sign-in?reset=1");
}
