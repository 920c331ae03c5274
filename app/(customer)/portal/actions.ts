"use server";

import { redirect } from "next/navigation";
import { emailFromForm, type FormState, serverAction } from "@/lib/actions";
import { signIn } from "@/lib/auth/next-auth";
import { revealOwnTrunkPassword } from "@/lib/portal";

export const revealOwnPasswordAction = serverAction(revealOwnTrunkPassword, { data: ({ password }) => ({ password }) });

/** Sends a sign-in link. The answer is the same whether or not the email belongs to a customer. */
export async function requestSignInLinkAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const form = emailFromForm(formData);
  if ("invalid" in form) return form.invalid;
  // Every address gets the same answer (lib/auth/sign-in-links); an error here is an outage, not a stranger.
  await signIn("email", { email: form.email, redirect: false, redirectTo: "/portal" });
  redirect("/portal/sign-in/check-email");
}
