"use server";

import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { CredentialsSignin } from "next-auth";
import type { FormState } from "@/lib/actions";
import { requestMeta } from "@/lib/auth/guards";
import { signIn, signOut } from "@/lib/auth/next-auth";
import { beginStaffSignIn, CHALLENGE_COOKIE, CHALLENGE_MAX_AGE_MS, completeSecondFactor } from "@/lib/auth/sign-in";
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { tooManyAttempts } from "@/lib/rate-limit";
import { email as emailSchema } from "@/lib/validation";

const AFTER_SIGN_IN = "/staff";

/**
 * Turns a completed challenge into a session cookie and goes to the staff portal, on the host the browser used (the
 * cookie belongs to that host; Auth.js's own redirect would go to PORTAL_URL).
 */
async function finishSignIn(challenge: string): Promise<FormState> {
  try {
    await signIn("staff", { challenge, redirect: false });
  } catch (error) {
    if (!(error instanceof CredentialsSignin)) throw error;
    return { ok: false, formError: "Your sign-in timed out. Enter your email and password again." };
  }
  redirect(AFTER_SIGN_IN);
}

export async function signInAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const email = String(formData.get("email") ?? "");
  const password = String(formData.get("password") ?? "");
  const address = emailSchema.safeParse(email);
  const fieldErrors: Record<string, string[]> = {};
  if (!email.trim()) fieldErrors.email = ["Enter your email address."];
  else if (!address.success) fieldErrors.email = ["Enter a valid email address."];
  if (!password) fieldErrors.password = ["Enter your password."];
  if (!address.success || Object.keys(fieldErrors).length) return { ok: false, fieldErrors, values: { email } };

  const started = await beginStaffSignIn(getDb(), address.data, password, await requestMeta());
  if (!started.ok) {
    const formError = started.reason === "throttled" ? tooManyAttempts(started.retryAt) : "Wrong email or password.";
    return { ok: false, formError, values: { email } };
  }
  if (!started.secondFactorDue) return finishSignIn(started.token);
  (await cookies()).set(CHALLENGE_COOKIE, started.token, {
    httpOnly: true,
    sameSite: "lax",
    secure: env().PORTAL_URL.startsWith("https:"),
    path: "/sign-in",
    maxAge: CHALLENGE_MAX_AGE_MS / 1000,
  });
  redirect("/sign-in/two-factor");
}

export async function secondFactorAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const code = String(formData.get("code") ?? "").trim();
  if (!code) return { ok: false, fieldErrors: { code: ["Enter the code from your authenticator app."] } };
  const jar = await cookies();
  const challenge = jar.get(CHALLENGE_COOKIE)?.value ?? "";
  const result = await completeSecondFactor(getDb(), challenge, code, await requestMeta());
  if (!result.ok) {
    if (result.reason === "throttled") return { ok: false, formError: tooManyAttempts(result.retryAt) };
    if (result.reason === "invalid") {
      return { ok: false, fieldErrors: { code: ["That code is not right, or was already used."] } };
    }
    return { ok: false, formError: "Your sign-in timed out. Enter your email and password again." };
  }
  jar.delete({ name: CHALLENGE_COOKIE, path: "/sign-in" });
  return finishSignIn(challenge);
}

export async function signOutAction() {
  await signOut({ redirect: false });
  redirect("/sign-in");
}
