import type { Metadata } from "next";
import Link from "next/link";
import { AttentionNotice } from "@/components/attention-notice";
import { CredentialChecks } from "@/components/credential-checks";
import { ActionForm, SubmitButton, TextField } from "@/components/forms";
import { RegistrationStatus } from "@/components/registration-status";
import { ResetPasswordForm } from "@/components/reset-password-form";
import { SyncStatus } from "@/components/sync-status";
import { TrunkCredentials } from "@/components/trunk-credentials";
import { Badge, ButtonLink, Card, DateTime, PageHeader, StatusBadge } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { can } from "@/lib/auth/policy";
import { getDb } from "@/lib/db";
import { orNotFound } from "@/lib/or-not-found";
import { getTrunk } from "@/lib/trunks";
import { attentionReasons } from "@/lib/trunks/attention";
import { openAuthFailureBurst } from "@/lib/trunks/auth-failures";
import { listCredentialChecks } from "@/lib/trunks/credential-check";
import {
  checkTrunkCredentialsAction,
  deleteTrunkAction,
  liftSuspensionAction,
  resendCredentialsAction,
  resetTrunkPasswordAction,
  resyncTrunkAction,
  revealTrunkPasswordAction,
  setFraudLimitsAction,
  setTrunkStatusAction,
} from "../../actions";

export const metadata: Metadata = { title: "Trunk" };

export default async function TrunkPage({ params }: { params: Promise<{ trunkId: string }> }) {
  const actor = await requirePermission("trunks:view");
  const { trunkId } = await params;
  const trunk = await orNotFound(getTrunk(getDb(), trunkId));
  const [checks, burst] = await Promise.all([
    listCredentialChecks(getDb(), trunk.id),
    openAuthFailureBurst(getDb(), trunk.id),
  ]);
  const disabled = trunk.status === "DISABLED";
  const deleted = trunk.status === "DELETED";
  return (
    <>
      <PageHeader
        title={`Trunk ${trunk.username}`}
        actions={
          can(actor, "trunks:edit") && !deleted ? (
            <ButtonLink href={`/staff/trunks/${trunk.id}/edit`} variant="secondary">
              Edit settings
            </ButtonLink>
          ) : null
        }
      >
        <Link href={`/staff/customers/${trunk.customerId}`}>{trunk.customer.company}</Link> ·{" "}
        <Link href={`/staff/trunks/${trunk.id}/calls`}>Calls</Link> ·{" "}
        <Link href={`/staff/trunks/${trunk.id}/packet-check`}>Packet check</Link>{" "}
        <StatusBadge kind="trunk" status={trunk.status} />
        {disabled && trunk.statusReason ? <span className="ml-2 text-sm">Reason: {trunk.statusReason}</span> : null}
      </PageHeader>

      <AttentionNotice reasons={attentionReasons(trunk, checks, "staff", burst)} />

      <TrunkCredentials
        trunk={trunk}
        revealAction={can(actor, "trunks:reveal-password") ? revealTrunkPasswordAction : undefined}
      />

      <Card
        title="Registrar"
        actions={
          can(actor, "registrar:sync") ? (
            <ActionForm action={resyncTrunkAction} className="flex items-center gap-2" aria-label="Resync">
              <input type="hidden" name="trunkId" value={trunk.id} />
              <SubmitButton variant="secondary">Resync now</SubmitButton>
            </ActionForm>
          ) : null
        }
      >
        <SyncStatus trunk={trunk} />
        <div className="mt-4 mb-2 flex flex-wrap items-center justify-between gap-2">
          <h3 className="font-semibold">Credentials check</h3>
          {can(actor, "registrar:sync") && !deleted ? (
            <ActionForm action={checkTrunkCredentialsAction} aria-label="Check credentials">
              <input type="hidden" name="trunkId" value={trunk.id} />
              <SubmitButton variant="secondary">Check credentials now</SubmitButton>
            </ActionForm>
          ) : null}
        </div>
        <CredentialChecks checks={checks} />
        <h3 className="mt-4 mb-2 font-semibold">Live registration</h3>
        <RegistrationStatus
          trunkId={trunk.id}
          username={trunk.username}
          hostnames={trunk.servers.map((s) => s.server.hostname)}
        />
      </Card>

      {!deleted ? (
        <Card title="Fraud guard">
          {trunk.outboundSuspendedAt ? (
            <div className="mb-4">
              <p>
                <Badge color="red">Outbound calls suspended</Badge> since <DateTime value={trunk.outboundSuspendedAt} />
                : {trunk.outboundSuspendedReason}.
              </p>
              {can(actor, "trunks:set-status") ? (
                <ActionForm
                  action={liftSuspensionAction}
                  className="mt-2"
                  confirm="Lift the suspension? Outbound calls resume and today's caps count again from now."
                  aria-label="Lift suspension"
                >
                  <input type="hidden" name="trunkId" value={trunk.id} />
                  <SubmitButton variant="secondary">Lift suspension</SubmitButton>
                </ActionForm>
              ) : null}
            </div>
          ) : null}
          {can(actor, "trunks:edit") ? (
            <ActionForm
              action={setFraudLimitsAction}
              className="flex flex-wrap items-end gap-3"
              aria-label="Fraud limits"
            >
              <input type="hidden" name="trunkId" value={trunk.id} />
              <TextField
                name="maxCallsPerSecond"
                label="Calls per second"
                type="number"
                defaultValue={trunk.maxCallsPerSecond?.toString() ?? ""}
              />
              <TextField
                name="maxCallsPerDay"
                label="Calls per day"
                type="number"
                defaultValue={trunk.maxCallsPerDay?.toString() ?? ""}
              />
              <TextField
                name="maxMinutesPerDay"
                label="Minutes per day"
                type="number"
                defaultValue={trunk.maxMinutesPerDay?.toString() ?? ""}
              />
              <SubmitButton variant="secondary">Save limits</SubmitButton>
            </ActionForm>
          ) : (
            <p className="text-sm">
              {trunk.maxCallsPerSecond ?? "No"} calls per second limit · {trunk.maxCallsPerDay ?? "no"} calls per day ·{" "}
              {trunk.maxMinutesPerDay ?? "no"} minutes per day.
            </p>
          )}
          <p className="mt-2 text-sm text-muted-foreground">
            Empty means no limit. Crossing a daily cap suspends outbound calling and emails support and the customer.
          </p>
        </Card>
      ) : null}

      {can(actor, "trunks:send-credentials") && !deleted ? (
        <Card title="Customer email">
          <ActionForm action={resendCredentialsAction} aria-label="Resend credentials">
            <input type="hidden" name="trunkId" value={trunk.id} />
            <p className="text-sm text-muted-foreground">
              Emails {trunk.customer.contactEmail} the trunk's credentials again, with a new one-time password link
              (earlier links stop working).
            </p>
            <SubmitButton variant="secondary">Resend credentials</SubmitButton>
          </ActionForm>
        </Card>
      ) : null}

      {!deleted && (can(actor, "trunks:reset-password") || can(actor, "trunks:set-status")) ? (
        <Card title="Support actions">
          <div className="grid gap-6 sm:grid-cols-2">
            {can(actor, "trunks:reset-password") ? (
              <ResetPasswordForm action={resetTrunkPasswordAction} trunkId={trunk.id} audience="staff">
                <p className="text-sm text-muted-foreground">
                  Generates a new password and emails the customer. The old one stops working as soon as the registrar
                  is updated; this page says when.
                </p>
              </ResetPasswordForm>
            ) : null}
            {can(actor, "trunks:set-status") ? (
              <ActionForm
                action={setTrunkStatusAction}
                confirm={disabled ? undefined : "Disable this trunk? Its PBX will not be able to register or call."}
                aria-label={disabled ? "Enable trunk" : "Disable trunk"}
              >
                <input type="hidden" name="trunkId" value={trunk.id} />
                <input type="hidden" name="status" value={disabled ? "ACTIVE" : "DISABLED"} />
                <TextField name="reason" label={disabled ? "Reason for enabling" : "Reason for disabling"} />
                <SubmitButton variant={disabled ? "primary" : "danger"}>
                  {disabled ? "Enable trunk" : "Disable trunk"}
                </SubmitButton>
              </ActionForm>
            ) : null}
          </div>
        </Card>
      ) : null}

      {can(actor, "trunks:delete") && !deleted ? (
        <Card title="Delete trunk">
          <ActionForm
            action={deleteTrunkAction}
            confirm="Delete this trunk? It is removed from the registrar and its DIDs are released. This cannot be undone."
            aria-label="Delete trunk"
          >
            <input type="hidden" name="trunkId" value={trunk.id} />
            <p className="text-sm text-muted-foreground">
              The PBX stops working at once. The username stays reserved and the history is kept.
            </p>
            <TextField name="reason" label="Reason for deleting" />
            <SubmitButton variant="danger">Delete trunk</SubmitButton>
          </ActionForm>
        </Card>
      ) : null}
    </>
  );
}
