import type { Metadata } from "next";
import { ActionForm, SubmitButton, TextField } from "@/components/forms";
import { Alert } from "@/components/ui";
import { signInAction } from "./actions";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ reset?: string }> }) {
  const { reset } = await searchParams;
  return (
    <main className="mx-auto max-w-sm px-4 py-12">
      <h1 className="mb-6 text-2xl font-bold">Sign in to Trunk Portal</h1>
      {reset ? (
        <Alert tone="success" role="status" className="mb-4">
          Your password was changed and every session of your account was ended. Sign in with your new password.
        </Alert>
      ) : null}
      <ActionForm action={signInAction} aria-label="Sign in">
        <TextField name="email" label="Email" type="email" autoComplete="username" required />
        <TextField name="password" label="Password" type="password" autoComplete="current-password" required />
        <SubmitButton>Sign in</SubmitButton>
      </ActionForm>
      <p className="mt-6 text-sm">
        <a href="/forgot-password">Forgot your password?</a>
      </p>
    </main>
  );
}
