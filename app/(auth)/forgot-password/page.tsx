import type { Metadata } from "next";
import { ActionForm, SubmitButton, TextField } from "@/components/forms";
import { RESET_LINK_MINUTES } from "@/lib/auth/password-reset";
import { requestPasswordResetAction } from "./actions";

export const metadata: Metadata = { title: "Reset your password" };

export default async function ForgotPasswordPage({ searchParams }: { searchParams: Promise<{ sent?: string }> }) {
  const { sent } = await searchParams;
  return (
    <main className="mx-auto max-w-sm px-4 py-12">
      <h1 className="mb-2 text-2xl font-bold">Reset your password</h1>
      {sent ? (
        <p role="status" className="text-muted-foreground">
          If that address belongs to a staff account, we have emailed it a link to choose a new password. The link works
          once and expires in {RESET_LINK_MINUTES} minutes.
        </p>
      ) : (
        <>
          <p className="mb-6 text-muted-foreground">
            Staff: enter your email and we will send you a link to choose a new password. Customers sign in with an
            email link and have no password: <a href="/portal/sign-in">customer sign-in</a>.
          </p>
          <ActionForm action={requestPasswordResetAction} aria-label="Reset your password">
            <TextField name="email" label="Email" type="email" autoComplete="username" />
            <SubmitButton>Email me a reset link</SubmitButton>
          </ActionForm>
        </>
      )}
      <p className="mt-6 text-sm">
        <a href="/sign-in">Back to sign-in</a>
      </p>
    </main>
  );
}
