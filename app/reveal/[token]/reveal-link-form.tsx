"use client";

import { useActionState } from "react";
import { CopyButton } from "@/components/copy-button";
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
        <p className="flex flex-wrap items-center gap-2">
          <code className="break-all rounded bg-slate-100 px-2 py-1 font-mono text-lg" data-testid="revealed-password">
            {password}
          </code>
          <CopyButton value={password} label="SIP password" />
        </p>
        <p className="mt-4 text-sm text-slate-700">
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
      <p className="mb-4 text-slate-700">This link shows your SIP password once. Have your PBX settings open.</p>
      <button
        type="submit"
        disabled={pending}
        className="rounded bg-blue-700 px-4 py-2 font-semibold text-white hover:bg-blue-800 disabled:opacity-60"
      >
        {pending ? "Working…" : "Show my SIP password"}
      </button>
    </form>
  );
}
