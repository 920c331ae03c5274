"use server";

import { redirect } from "next/navigation";
import { emailFromForm, type FormState } from "@/lib/actions";
import { requestMeta } from "@/lib/auth/guards";
import { requestPasswordReset } from "@/lib/auth/password-reset";
import { getDb } from "@/lib/db";

/** Emails a reset link to staff; every address gets the same answer. */
export async function requestPasswordResetAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const form = emailFromForm(formData);
  if ("invalid" in form) return form.invalid;
  await requestPasswordReset(getDb(), form.email, await requestMeta());
  redirect("/forgot-password?sent=1");
}
