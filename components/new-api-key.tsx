"use client";

import { useFormState } from "./forms";
import { CopyableValue } from "./ui";

/** The key just created, inside its form: shown once, never again (only its hash is kept). */
export function NewApiKeyNotice() {
  const secret = useFormState().data?.secret;
  if (!secret) return null;
  return (
    <div role="status" className="space-y-2 rounded border border-green-300 bg-green-50 px-3 py-2 text-sm">
      <p className="font-semibold text-green-900">
        Your new API key. Copy it now: it is not shown again, and the portal keeps only its hash.
      </p>
      <CopyableValue value={secret} label="API key" testId="new-api-key" />
    </div>
  );
}
