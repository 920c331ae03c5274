"use client";

import { SubmitButton, useFormState } from "@/components/forms";

/** In the local mailbox, the message with its links filled in, after an audited request. */
export function MailboxText() {
  const state = useFormState();
  if (state.data?.text) {
    return (
      <pre className="whitespace-pre-wrap break-words rounded bg-muted p-3 font-mono text-sm">{state.data.text}</pre>
    );
  }
  return (
    <>
      <p className="text-sm text-muted-foreground">
        Local mailbox: nothing was really sent. You can show this message with its links and passwords (recorded in the
        audit log).
      </p>
      <SubmitButton variant="secondary">Show links and passwords</SubmitButton>
    </>
  );
}
