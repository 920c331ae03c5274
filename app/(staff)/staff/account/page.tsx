import type { Metadata } from "next";
import { ActionForm, SubmitButton, TextField } from "@/components/forms";
import { OneTimeCodeField, RecoveryCodesOrFields } from "@/components/two-factor";
import { Badge, ButtonLink, Card, DateTime, PageHeader } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { MIN_PASSWORD_LENGTH } from "@/lib/auth/password-policy";
import { twoFactorRequiredFor } from "@/lib/auth/two-factor";
import { getDb } from "@/lib/db";
import {
  changeOwnPasswordAction,
  disableTwoFactorAction,
  regenerateRecoveryCodesAction,
  signOutEverywhereAction,
} from "./actions";

export const metadata: Metadata = { title: "Your account" };

export default async function AccountPage() {
  const actor = await requirePermission("account:security");
  const db = getDb();
  const [user, required, recoveryCodesLeft] = await Promise.all([
    db.user.findUniqueOrThrow({ where: { id: actor.id } }),
    twoFactorRequiredFor(db, actor.role),
    db.recoveryCode.count({ where: { userId: actor.id, usedAt: null } }),
  ]);
  return (
    <>
      <PageHeader title="Your account">
        {actor.name} — {actor.email}
      </PageHeader>
      <Card title="Password">
        <ActionForm action={changeOwnPasswordAction} aria-label="Change password">
          <TextField name="currentPassword" label="Current password" type="password" autoComplete="current-password" />
          <TextField
            name="newPassword"
            label="New password"
            type="password"
            autoComplete="new-password"
            hint={`At least ${MIN_PASSWORD_LENGTH} characters, not a common password. Your other sessions end.`}
          />
          <TextField name="confirmPassword" label="New password again" type="password" autoComplete="new-password" />
          <SubmitButton>Change password</SubmitButton>
        </ActionForm>
      </Card>
      <Card title="Two-factor authentication">
        {user.totpEnabledAt ? (
          <div className="space-y-6">
            <p>
              <Badge color="green">on</Badge> since <DateTime value={user.totpEnabledAt} />. {recoveryCodesLeft} of 10
              recovery codes left.
            </p>
            <ActionForm action={regenerateRecoveryCodesAction} aria-label="New recovery codes">
              <RecoveryCodesOrFields>
                <OneTimeCodeField
                  label="Code from your app, for new recovery codes"
                  hint="The old recovery codes stop working."
                  digitsOnly
                />
                <SubmitButton variant="secondary">Make new recovery codes</SubmitButton>
              </RecoveryCodesOrFields>
            </ActionForm>
            {required ? (
              <p className="text-sm text-muted-foreground">Your administrator requires two-factor authentication.</p>
            ) : (
              <ActionForm action={disableTwoFactorAction} aria-label="Turn off two-factor authentication">
                <OneTimeCodeField label="Code from your app, to turn it off" digitsOnly />
                <SubmitButton variant="danger">Turn off two-factor authentication</SubmitButton>
              </ActionForm>
            )}
          </div>
        ) : (
          <div className="space-y-3">
            <p>
              <Badge color="amber">off</Badge> Protect your account with a code from an authenticator app.
            </p>
            <ButtonLink href="/account/two-factor">Set up two-factor authentication</ButtonLink>
          </div>
        )}
      </Card>
      <Card title="Sessions">
        <ActionForm action={signOutEverywhereAction} aria-label="Sign out everywhere">
          <p className="text-sm text-muted-foreground">
            Lost a laptop, or signed in on a shared computer? End every session of your account at once, this one
            included.
          </p>
          <SubmitButton variant="danger">Sign out everywhere</SubmitButton>
        </ActionForm>
      </Card>
    </>
  );
}
