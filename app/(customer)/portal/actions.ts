"use server";

import { redirect } from "next/navigation";
import { emailFromForm, type FormState, serverAction } from "@/lib/actions";
import { signIn } from "@/lib/auth/next-auth";
import { resetOwnTrunkPassword, revealOwnTrunkPassword } from "@/lib/portal";
import { inviteColleague } from "@/lib/portal/invite";

export const revealOwnPasswordAction = serverAction(revealOwnTrunkPassword, { data: ({ password }) => ({ password }) });
// The page says what a reset means once the registrar confirms it (components/reset-password-form.tsx).
export const resetOwnPasswordAction = serverAction(resetOwnTrunkPassword, {
  data: ({ syncVersion }) => ({ syncVersion: String(syncVersion) }),
});
export const inviteColleagueAction = serverAction(inviteColleague, {
  message: "Invitation sent: they get an email with a link to sign in.",
});

/** Sends a sign-in link. The answer is the same whether or not the email belongs to a customer. */
export async function requestSignInLinkAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const form = emailFromForm(formData);
  if ("invalid" in form) return form.invalid;
  // Every address gets the same answer (lib/auth/sign-in-links); an error here is an outage, not a stranger.
  await signIn("email", { email: form.email, redirect: false, redirectTo: "/portal" });
  redirect("/portal/sign-in/check-email");
}
