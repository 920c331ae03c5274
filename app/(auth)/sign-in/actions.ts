"use server";

import { AuthError, CredentialsSignin } from "next-auth";
import type { FormState } from "@/lib/actions";
import { signIn, signOut } from "@/lib/auth/next-auth";

export async function signInAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const email = String(formData.get("email") ?? "");
  const password = String(formData.get("password") ?? "");
  const fieldErrors: Record<string, string[]> = {};
  if (!email.trim()) fieldErrors.email = ["Enter your email address."];
  if (!password) fieldErrors.password = ["Enter your password."];
  if (Object.keys(fieldErrors).length) return { ok: false, fieldErrors, values: { email } };
  try {
    await signIn("staff", { email, password, redirectTo: "/staff/customers" });
    return { ok: true };
  } catch (error) {
    if (error instanceof CredentialsSignin && error.code === "throttled") {
      return { ok: false, formError: "Too many failed attempts. Wait 15 minutes and try again.", values: { email } };
    }
    if (error instanceof AuthError) return { ok: false, formError: "Wrong email or password.", values: { email } };
    throw error;
  }
}

export async function signOutAction() {
  await signOut({ redirectTo: "/sign-in" });
}
