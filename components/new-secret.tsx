"use client";

import { useFormState } from "./forms";
import { Alert, CopyableValue } from "./ui";

/** A secret just created (an API key, a webhook signing secret), inside its form: shown once, never again. */
export function NewSecretNotice({ message, label, testId }: { message: string; label: string; testId: string }) {
  const secret = useFormState().data?.secret;
  if (!secret) return null;
  return (
    <Alert tone="success" role="status" className="space-y-2">
      <p className="font-semibold">{message}</p>
      <CopyableValue value={secret} label={label} testId={testId} />
    </Alert>
  );
}
