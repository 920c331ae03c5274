"use client";

import { type ReactNode, useEffect } from "react";
import { type Audience, changeConfirmation, type RegistrationView, type SyncView } from "@/lib/trunks/live-status-view";
import { useFormState } from "./forms";
import { pollNow, useLiveStatus } from "./live-status-store";
import { Alert } from "./ui/alert";
import { CopyableValue } from "./ui/copyable-value";
import { DateTime } from "./ui/date-time";
import { StatusBadge } from "./ui/status-badge";

/** What the server rendered, or what the last poll brought when that is newer. */
function useNewest<K extends "sync" | "registration">(
  url: string,
  key: K,
  initial: { checkedAt: string; value: K extends "sync" ? SyncView : RegistrationView },
) {
  const { status, problem } = useLiveStatus(url);
  const fresh = status && status.checkedAt >= initial.checkedAt;
  return { value: (fresh ? status[key] : initial.value) as typeof initial.value, problem };
}

function StaleNotice({ problem }: { problem: "offline" | "signed-out" | null }) {
  if (!problem) return null;
  return (
    <p className="mt-1 text-sm text-muted-foreground">
      {problem === "offline"
        ? "Not updating right now: the portal cannot be reached. It tries again by itself."
        : "Not updating any more: sign in again to see the latest."}
    </p>
  );
}

function SyncText({ sync, audience }: { sync: SyncView; audience: Audience }): ReactNode {
  const badge = <StatusBadge kind="sync" status={sync.state} />;
  const staff = audience === "staff";
  const error = sync.error ? <p className="mt-1 font-mono text-sm break-words text-danger">{sync.error}</p> : null;
  if (sync.state === "SYNCED") {
    return (
      <p>
        {badge} {staff ? "at" : "Your latest change reached our SIP servers at"} <DateTime value={sync.syncedAt} />
      </p>
    );
  }
  if (sync.state === "FAILED") {
    return (
      <div>
        <p>
          {badge}{" "}
          {staff
            ? "— next retry "
            : "Our SIP servers have not taken your latest change yet; we keep trying. Next attempt "}
          <DateTime value={sync.nextAttemptAt} />
        </p>
        {error}
      </div>
    );
  }
  if (sync.state === "NEEDS_ATTENTION") {
    return (
      <div>
        <p>
          {badge}{" "}
          {staff
            ? "— the registrar refuses this trunk's data, so it is not retried. Correct what the reason names (edit the trunk), or resync once the registrar is fixed."
            : "— our SIP servers refused this trunk's latest settings. Please contact support."}
        </p>
        {error}
      </div>
    );
  }
  return (
    <p>
      {badge} {staff ? "since" : "Updating our SIP servers with your latest change, requested"}{" "}
      <DateTime value={sync.requestedAt} />
    </p>
  );
}

/** Whether the registrar has the trunk's latest change, kept current while the page is open. */
export function LiveSyncStatus({
  url,
  audience,
  initial,
}: {
  url: string;
  audience: Audience;
  initial: { checkedAt: string; value: SyncView };
}) {
  const { value, problem } = useNewest(url, "sync", initial);
  return (
    <div aria-live="polite" data-testid="sync-state" data-state={value.state}>
      <SyncText sync={value} audience={audience} />
      <StaleNotice problem={problem} />
    </div>
  );
}

/** Whether the trunk's PBX is registered right now, from where and until when; flags a mis-cased server name. */
export function LiveRegistration({
  url,
  initial,
}: {
  url: string;
  initial: { checkedAt: string; value: RegistrationView };
}) {
  const { value, problem } = useNewest(url, "registration", initial);
  return (
    <div aria-live="polite">
      <RegistrationText registration={value} />
      <StaleNotice problem={problem} />
    </div>
  );
}

function RegistrationText({ registration }: { registration: RegistrationView }) {
  if (registration.state === "not-answering") {
    return (
      <p data-testid="registration-state" data-state="not-answering">
        <StatusBadge kind="registration" status="NOT_ANSWERING" /> We cannot tell whether a PBX is registered right now:{" "}
        {registration.error} This page keeps asking.
      </p>
    );
  }
  if (registration.registrations.length === 0) {
    return (
      <p data-testid="registration-state" data-state="not-registered">
        <StatusBadge kind="registration" status="NOT_REGISTERED" /> No PBX is registered with these credentials right
        now.
      </p>
    );
  }
  return (
    <ul className="space-y-3" data-testid="registration-state" data-state="registered">
      {registration.registrations.map((row) => (
        <li key={row.contact}>
          <p>
            <StatusBadge kind="registration" status="REGISTERED" /> from{" "}
            <code className="font-mono break-all">{row.source ?? "?"}</code>
            {row.userAgent ? (
              <>
                {" "}
                with <span className="font-mono break-all">{row.userAgent}</span>
              </>
            ) : null}
            , until <DateTime value={row.expiresAt} />
          </p>
          {row.caseMismatch ? (
            <Alert tone="danger" role="alert" className="mt-2">
              <p>
                <strong>The PBX uses the wrong casing for the server name.</strong> It registered to{" "}
                <code className="font-mono">{row.caseMismatch.used}</code>, so calls will fail. Change the server
                (registrar, proxy and domain) in the PBX to exactly:
              </p>
              <p className="mt-2">
                <CopyableValue value={row.caseMismatch.expected} label="the exact server name" />
              </p>
            </Alert>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/**
 * After a password reset (inside its ActionForm): the new password exists at once, but the old one keeps working
 * until the registrar has the change. Says so, and says the old one stopped working only when the registrar has
 * confirmed it (the trunk synced at the reset's version or later).
 */
export function ResetOutcome({ url, audience }: { url: string; audience: Audience }) {
  const form = useFormState();
  const version = form.ok ? Number(form.data?.syncVersion) : Number.NaN;
  const { status } = useLiveStatus(url);
  const reset = Number.isInteger(version);
  useEffect(() => {
    if (reset) pollNow(url);
  }, [reset, url]);
  if (!reset) return null;
  const registrar = audience === "staff" ? "the registrar" : "our SIP servers";
  const outcome = status ? changeConfirmation(status.sync, version) : "waiting";
  if (outcome === "confirmed") {
    return (
      <Alert tone="success" role="status" testId="reset-outcome">
        A new SIP password was generated, and {registrar} confirmed it at <DateTime value={status?.sync.syncedAt} />:
        the old password no longer works. Reveal the new password and enter it in the PBX.
      </Alert>
    );
  }
  if (outcome === "failed") {
    return (
      <Alert tone="danger" role="alert" testId="reset-outcome">
        A new SIP password was generated, but {registrar} {audience === "staff" ? "has" : "have"} not taken it yet:
        until then, the old password may still work.{" "}
        {audience === "staff" ? "See the registrar status on this page." : "We keep trying."}
      </Alert>
    );
  }
  return (
    <Alert tone="info" role="status" testId="reset-outcome">
      A new SIP password was generated. Waiting for {registrar} to confirm it: until then the old password still works.
    </Alert>
  );
}
