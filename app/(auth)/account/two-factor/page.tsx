import type { Metadata } from "next";
import Image from "next/image";
import QRCode from "qrcode";
import { signOutAction } from "@/app/(auth)/sign-in/actions";
import { beginTwoFactorSetupAction, confirmTwoFactorSetupAction } from "@/app/(staff)/staff/account/actions";
import { ActionForm, SubmitButton } from "@/components/forms";
import { OneTimeCodeField, RecoveryCodesOrFields } from "@/components/two-factor";
import { Alert, Button, Card } from "@/components/ui";
import { pendingTwoFactorSetup } from "@/lib/auth/account";
import { commandContext, requireStaff } from "@/lib/auth/guards";

export const metadata: Metadata = { title: "Set up two-factor authentication" };

/** Groups of four characters are easier to type into an app by hand. */
const grouped = (secret: string) => secret.match(/.{1,4}/g)?.join(" ") ?? secret;

/**
 * Setting up an authenticator app: scan the QR code (or type the key), then confirm with a first code. Staff whom
 * the provider requires to use 2FA land here after signing in until it is on.
 */
export default async function TwoFactorSetupPage() {
  const actor = await requireStaff({ duringTwoFactorSetup: true });
  const ctx = await commandContext();
  const enabled = Boolean(
    (await ctx.db.user.findUniqueOrThrow({ where: { id: actor.id }, select: { totpEnabledAt: true } })).totpEnabledAt,
  );
  const setup = enabled ? null : await pendingTwoFactorSetup({ ...ctx, actor });
  const qr = setup ? await QRCode.toString(setup.uri, { type: "svg", margin: 1 }) : null;
  return (
    <main className="mx-auto max-w-xl px-4 py-12">
      <h1 className="mb-2 text-2xl font-bold">Two-factor authentication</h1>
      {ctx.twoFactorDue ? (
        <Alert tone="warning" role="alert" className="mb-4">
          Your administrator requires two-factor authentication. Set it up to continue.
        </Alert>
      ) : null}
      <p className="mb-6 text-muted-foreground">
        Besides your password, signing in will ask for a 6-digit code from an authenticator app on your phone (such as
        Google Authenticator, Microsoft Authenticator, 1Password or Aegis).
      </p>
      {!enabled && !setup ? (
        <ActionForm action={beginTwoFactorSetupAction} aria-label="Start two-factor setup">
          <SubmitButton>Set up an authenticator app</SubmitButton>
        </ActionForm>
      ) : null}
      {setup && qr ? (
        <Card title="1. Add Trunk Portal to your app">
          <p className="mb-3 text-sm text-muted-foreground">Scan this QR code with the app:</p>
          <Image
            unoptimized
            src={`data:image/svg+xml;base64,${Buffer.from(qr).toString("base64")}`}
            alt="QR code for your authenticator app"
            width={200}
            height={200}
            className="mb-3 border border-border bg-white"
          />
          <p className="text-sm text-muted-foreground">
            Or enter this key by hand (time-based, 6 digits):{" "}
            <code data-testid="totp-key" className="font-mono text-base">
              {grouped(setup.secret)}
            </code>
          </p>
        </Card>
      ) : null}
      {setup || enabled ? (
        <Card title={enabled ? undefined : "2. Enter the code the app shows"}>
          <ActionForm action={confirmTwoFactorSetupAction} aria-label="Confirm two-factor authentication">
            <RecoveryCodesOrFields after={<a href="/staff">Continue to Trunk Portal</a>}>
              {enabled ? (
                <p>
                  Two-factor authentication is on. Manage it on <a href="/staff/account">your account page</a>.
                </p>
              ) : (
                <>
                  <OneTimeCodeField label="Code from the app" digitsOnly />
                  <SubmitButton>Turn on two-factor authentication</SubmitButton>
                </>
              )}
            </RecoveryCodesOrFields>
          </ActionForm>
        </Card>
      ) : null}
      <form action={signOutAction} className="mt-6 text-sm">
        <Button type="submit" variant="link">
          Sign out
        </Button>
      </form>
    </main>
  );
}
