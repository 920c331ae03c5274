"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import type { FormState } from "@/lib/actions";
import { requestMeta } from "@/lib/auth/guards";
import { requestPasswordReset } from "@/lib/auth/password-reset";
import { getDb } from "@/lib/db";
import { email } from "@/lib/validation";

/** Emails a reset link to staff; every address gets the same answer. */
export async function requestPasswordResetAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const parsed = z.object({ email }).safeParse({ email: formData.get("email") });
  if (!parsed.success) {
    return {
      ok: false,
      fieldErrors: { email: ["Enter a valid email address."] },
      values: { email: String(formData.get("email") ?? "") },
    };
  }
  await requestPasswordReset(getDb(), parsed.data.email, await requestMeta());
  redirect("/forgot-password?sent=1");
}
