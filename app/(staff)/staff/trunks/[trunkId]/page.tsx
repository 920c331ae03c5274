import type { Metadata } from "next";
import Link from "next/link";
import { ActionForm, SubmitButton, TextField } from "@/components/forms";
import { RegistrationStatus } from "@/components/registration-status";
import { ResetPasswordForm } from "@/components/reset-password-form";
import { SyncStatus } from "@/components/sync-status";
import { TrunkCredentials } from "@/components/trunk-credentials";
import { ButtonLink, Card, PageHeader, StatusBadge } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { can } from "@/lib/auth/policy";
import { getDb } from "@/lib/db";
import { orNotFound } from "@/lib/pages";
import { getTrunk } from "@/lib/trunks";
import {
  deleteTrunkAction,
  resendCredentialsAction,
  resetTrunkPasswordAction,
  resyncTrunkAction,
  revealTrunkPasswordAction,
  setTrunkStatusAction,
} from "../../actions";

export const metadata: Metadata = { title: "Trunk" };

export default async function TrunkPage({ params }: { params: Promise<{ trunkId: string }> }) {
  const actor = await requirePermission("trunks:view");
  const { trunkId } = await params;
  const trunk = await orNotFound(getTrunk(getDb(), trunkId));
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
        <Link href={`/staff/customers/${trunk.customerId}`}>{trunk.customer.company}</Link>{" "}
        <StatusBadge kind="trunk" status={trunk.status} />
        {disabled && trunk.statusReason ? <span className="ml-2 text-sm">Reason: {trunk.statusReason}</span> : null}
      </PageHeader>

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
        <h3 className="mt-4 mb-2 font-semibold">Live registration</h3>
        <RegistrationStatus
          trunkId={trunk.id}
          username={trunk.username}
          hostnames={trunk.servers.map((s) => s.server.hostname)}
        />
      </Card>

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
