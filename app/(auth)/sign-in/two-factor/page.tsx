import type { Metadata } from "next";
import { cookies } from "next/headers";
import { ActionForm, SubmitButton } from "@/components/forms";
import { OneTimeCodeField } from "@/components/two-factor";
import { CHALLENGE_COOKIE, challengeAwaitsSecondFactor } from "@/lib/auth/sign-in";
import { getDb } from "@/lib/db";
import { secondFactorAction } from "../actions";

export const metadata: Metadata = { title: "Two-factor authentication" };

export default async function SecondFactorPage() {
  const challenge = (await cookies()).get(CHALLENGE_COOKIE)?.value;
  const waiting = challenge ? await challengeAwaitsSecondFactor(getDb(), challenge) : false;
  return (
    <main className="mx-auto max-w-sm px-4 py-12">
      <h1 className="mb-2 text-2xl font-bold">Two-factor authentication</h1>
      {waiting ? (
        <>
          <p className="mb-6 text-muted-foreground">Enter the 6-digit code from your authenticator app.</p>
          <ActionForm action={secondFactorAction} aria-label="Two-factor authentication">
            <OneTimeCodeField
              label="Authentication code"
              hint="Lost your phone? Enter one of your recovery codes instead; each works once."
            />
            <SubmitButton>Verify</SubmitButton>
          </ActionForm>
        </>
      ) : (
        <p role="alert" className="text-muted-foreground">
          Your sign-in timed out or was already used. <a href="/sign-in">Sign in again</a>.
        </p>
      )}
    </main>
  );
}
