"use client";

import type { ReactNode } from "react";
import { CopyButton } from "./copy-button";
import { TextField, useFormState } from "./forms";

/**
 * Inside an ActionForm whose action returns new recovery codes: shows them (this is the only time they can be
 * seen), or the form's own fields until then.
 */
export function RecoveryCodesOrFields({ children, after }: { children: ReactNode; after?: ReactNode }) {
  const codes = useFormState().data?.recoveryCodes;
  if (!codes) return <>{children}</>;
  return (
    <div className="space-y-3">
      <p className="font-semibold">Your recovery codes</p>
      <p className="text-sm text-muted-foreground">
        Each code signs you in once if you lose your phone. Store them somewhere safe, such as your password manager:
        they are not shown again.
      </p>
      <ol data-testid="recovery-codes" className="grid max-w-sm grid-cols-2 gap-x-6 gap-y-1 font-mono">
        {codes.split("\n").map((code) => (
          <li key={code} className="whitespace-nowrap">
            {code}
          </li>
        ))}
      </ol>
      <div className="flex flex-wrap items-center gap-4">
        <CopyButton value={codes} label="recovery codes" />
        {after}
      </div>
    </div>
  );
}

/** Where a code from the authenticator app is typed (at sign-in also a recovery code, which has letters). */
export function OneTimeCodeField({
  label,
  hint,
  digitsOnly,
}: {
  label: string;
  hint?: ReactNode;
  digitsOnly?: boolean;
}) {
  return (
    <TextField
      name="code"
      label={label}
      autoComplete="one-time-code"
      inputMode={digitsOnly ? "numeric" : undefined}
      hint={hint}
    />
  );
}
