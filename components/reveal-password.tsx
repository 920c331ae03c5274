"use client";

import { Eye } from "lucide-react";
import { useActionState } from "react";
import type { FormState } from "@/lib/actions";
import { Button } from "./ui/button";
import { CopyableValue } from "./ui/copyable-value";

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
    <form action={formAction} className="inline-flex flex-wrap items-center gap-2">
      <input type="hidden" name="trunkId" value={trunkId} />
      <span aria-hidden="true" className="font-mono tracking-widest">
        ••••••••••••
      </span>
      <Button type="submit" variant="secondary" size="sm" disabled={pending}>
        <Eye aria-hidden="true" />
        {pending ? "Revealing…" : "Reveal password"}
      </Button>
      {state.formError ? (
        <span role="alert" className="text-sm text-danger">
          {state.formError}
        </span>
      ) : null}
    </form>
  );
}
