"use client";

import { useActionState } from "react";
import type { FormState } from "@/lib/actions";
import { CopyableValue } from "./ui";

/** The SIP password stays hidden until asked for; each reveal is a server action that writes the audit log. */
export function RevealPassword({
  action,
  trunkId,
}: {
  action: (state: FormState, formData: FormData) => Promise<FormState>;
  trunkId: string;
}) {
  const [state, formAction, pending] = useActionState(action, {});
  const password = state.data?.password;
  if (password) return <CopyableValue value={password} label="SIP password" testId="sip-password" />;
  return (
    <form action={formAction} className="inline-flex items-center gap-2">
      <input type="hidden" name="trunkId" value={trunkId} />
      <span aria-hidden="true" className="font-mono tracking-widest">
        ••••••••••••
      </span>
      <button
        type="submit"
        disabled={pending}
        className="rounded border border-slate-300 bg-white px-2 py-1 text-xs font-semibold"
      >
        {pending ? "Revealing…" : "Reveal password"}
      </button>
      {state.formError ? (
        <span role="alert" className="text-sm text-red-700">
          {state.formError}
        </span>
      ) : null}
    </form>
  );
}
