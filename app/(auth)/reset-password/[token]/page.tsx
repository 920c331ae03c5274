import type { Metadata } from "next";
import { ActionForm, SubmitButton, TextField } from "@/components/forms";
import { MIN_PASSWORD_LENGTH } from "@/lib/auth/password-policy";
import { inspectResetLink } from "@/lib/auth/password-reset";
import { getDb } from "@/lib/db";
import { resetPasswordAction } from "./actions";

export const metadata: Metadata = { title: "Choose a new password", referrer: "no-referrer", robots: { index: false } };

const PROBLEMS = {
  used: "This reset link was already used.",
  expired: "This reset link has expired.",
  unknown: "This reset link is not valid.",
} as const;

/** Opening the page does not use the link (mail scanners open links); choosing a password does. */
export default async function ResetPasswordPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const state = await inspectResetLink(getDb(), token);
  return (
    <main className="mx-auto max-w-sm px-4 py-12">
      <h1 className="mb-6 text-2xl font-bold">Choose a new password</h1>
      {state === "valid" ? (
        <ActionForm action={resetPasswordAction} aria-label="Choose a new password">
          <input type="hidden" name="token" value={token} />
          <TextField
            name="newPassword"
            label="New password"
            type="password"
            autoComplete="new-password"
            hint={`At least ${MIN_PASSWORD_LENGTH} characters; a few unrelated words make a good one.`}
          />
          <TextField name="confirmPassword" label="New password again" type="password" autoComplete="new-password" />
          <SubmitButton>Set my new password</SubmitButton>
        </ActionForm>
      ) : (
        <p role="alert" className="text-muted-foreground">
          {PROBLEMS[state]} <a href="/forgot-password">Ask for a new link</a>.
        </p>
      )}
    </main>
  );
}
