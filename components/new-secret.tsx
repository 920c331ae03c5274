"use client";

import { useFormState } from "./forms";
import { CopyableValue } from "./ui";

/** A secret just created (an API key, a webhook signing secret), inside its form: shown once, never again. */
export function NewSecretNotice({ message, label, testId }: { message: string; label: string; testId: string }) {
  const secret = useFormState().data?.secret;
  if (!secret) return null;
  return (
    <div role="status" className="space-y-2 rounded border border-green-300 bg-green-50 px-3 py-2 text-sm">
      <p className="font-semibold text-green-900">{message}</p>
      <CopyableValue value={secret} label={label} testId={testId} />
    </div>
  );
}
