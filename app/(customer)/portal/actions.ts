"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { type FormState, serverAction } from "@/lib/actions";
import { signIn } from "@/lib/auth/next-auth";
import { revealOwnTrunkPassword } from "@/lib/portal";
import { email } from "@/lib/validation";

export const revealOwnPasswordAction = serverAction(revealOwnTrunkPassword, { data: ({ password }) => ({ password }) });

/** Sends a sign-in link. The answer is the same whether or not the email belongs to a customer. */
export async function requestSignInLinkAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const parsed = z.object({ email }).safeParse({ email: formData.get("email") });
  if (!parsed.success) {
    return {
      ok: false,
      fieldErrors: { email: ["Enter a valid email address."] },
      values: { email: String(formData.get("email") ?? "") },
    };
  }
  // Every address gets the same answer (lib/auth/sign-in-links); an error here is an outage, not a stranger.
  await signIn("email", { email: parsed.data.email, redirect: false, redirectTo: "/portal" });
  redirect("/portal/sign-in/check-email");
}
