import type { Metadata } from "next";
import { ActionForm, SubmitButton, TextField } from "@/components/forms";
import { requestSignInLinkAction } from "../actions";

export const metadata: Metadata = { title: "Customer sign-in" };

export default async function PortalSignInPage({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
  const { error } = await searchParams;
  return (
    <div className="mx-auto max-w-sm py-6">
      <h1 className="mb-2 text-2xl font-bold">Sign in</h1>
      {error ? (
        <p role="alert" className="mb-4 rounded border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800">
          {error === "Verification"
            ? "That sign-in link has expired or was already used. Request a new one below."
            : "We could not sign you in. Request a new link below."}
        </p>
      ) : null}
      <p className="mb-6 text-slate-700">Enter your email and we will send you a sign-in link. No password needed.</p>
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
