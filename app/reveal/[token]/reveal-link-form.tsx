"use client";

import { useActionState } from "react";
import { Button, CopyableValue } from "@/components/ui";
import type { FormState } from "@/lib/actions";
import { LinkProblem } from "./link-problem";

export function RevealLinkForm({
  token,
  action,
}: {
  token: string;
  action: (state: FormState, formData: FormData) => Promise<FormState>;
}) {
  const [state, formAction, pending] = useActionState(action, {});
  const password = state.data?.password;
  if (password) {
    return (
      <div>
        <p className="mb-2">
          The SIP password of trunk <code className="font-mono">{state.data?.username}</code>:
        </p>
        <CopyableValue value={password} label="SIP password" testId="revealed-password" />
        <p className="mt-4 text-sm text-muted-foreground">
          This link has now been used and will not show the password again. Store it in your PBX now; you can also see
          it later by signing in to the customer portal.
        </p>
      </div>
    );
  }
  if (state.formError) return <LinkProblem state={state.formError} />;
  return (
    <form action={formAction}>
      <input type="hidden" name="token" value={token} />
      <p className="mb-4 text-muted-foreground">This link shows your SIP password once. Have your PBX settings open.</p>
      <Button type="submit" disabled={pending}>
        {pending ? "Working…" : "Show my SIP password"}
      </Button>
    </form>
  );
}
