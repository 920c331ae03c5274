import type { Metadata } from "next";
import { ActionForm, SubmitButton, TextField } from "@/components/forms";
import { Alert } from "@/components/ui";
import { requestSignInLinkAction } from "../actions";

export const metadata: Metadata = { title: "Customer sign-in" };

export default async function PortalSignInPage({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
  const { error } = await searchParams;
  return (
    <div className="mx-auto max-w-sm py-6">
      <h1 className="mb-2 text-2xl font-bold">Sign in</h1>
      {error ? (
        <Alert tone="danger" role="alert" className="mb-4">
          {error === "Verification"
            ? "That sign-in link has expired or was already used. Request a new one below."
            : "We could not sign you in. Request a new link below."}
        </Alert>
      ) : null}
      <p className="mb-6 text-muted-foreground">
        Enter your email and we will send you a sign-in link. No password needed.
      </p>
      <ActionForm action={requestSignInLinkAction} aria-label="Customer sign-in">
        <TextField name="email" label="Email" type="email" autoComplete="email" />
        <SubmitButton>Email me a sign-in link</SubmitButton>
      </ActionForm>
      <p className="mt-6 text-sm">
        Staff? <a href="/sign-in">Sign in with your password</a>.
      </p>
    </div>
  );
}
