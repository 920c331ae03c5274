"use client";

import type { ReactNode } from "react";
import type { FormState } from "@/lib/actions";
import { type Audience, statusUrl } from "@/lib/trunks/live-status-view";
import { ActionForm, SubmitButton } from "./forms";
import { ResetOutcome } from "./live-trunk-status";

/** Resetting a trunk's SIP password, for support and for the customer: what happens is told as the registrar acts. */
export function ResetPasswordForm({
  action,
  trunkId,
  audience,
  children,
}: {
  action: (state: FormState, formData: FormData) => Promise<FormState>;
  trunkId: string;
  audience: Audience;
  /** What a reset does, in the page's words. */
  children: ReactNode;
}) {
  return (
    <ActionForm
      action={action}
      confirm="Generate a new SIP password? The current one stops working as soon as the registrar has the new one."
      aria-label="Reset SIP password"
    >
      <input type="hidden" name="trunkId" value={trunkId} />
      {children}
      <ResetOutcome url={statusUrl(trunkId, audience)} audience={audience} />
      <SubmitButton variant="danger">Reset SIP password</SubmitButton>
    </ActionForm>
  );
}
