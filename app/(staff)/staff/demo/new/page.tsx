import type { Metadata } from "next";
import { ActionForm, SubmitButton } from "@/components/forms";
import { Card, PageHeader } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { getDb } from "@/lib/db";
import { getProviderSettings } from "@/lib/settings";
import { DIAL_PERMISSION_LABELS, describeCallLimit } from "@/lib/trunks/describe";
import { createDemoAccountAction } from "../../actions";
import { CustomerFields } from "../../customers/customer-fields";

export const metadata: Metadata = { title: "New demo account" };

export default async function NewDemoAccountPage() {
  await requirePermission("demo:create");
  const settings = await getProviderSettings(getDb());
  return (
    <>
      <PageHeader title="New demo account">
        Creates the customer, their sign-in, and a SIP trunk with generated credentials.
      </PageHeader>
      <Card>
        <p className="mb-4 text-sm text-muted-foreground">
          Demo trunks get {describeCallLimit(settings.demoCallLimit)},{" "}
          {DIAL_PERMISSION_LABELS[settings.demoDialPermission]} dialing, and every outbound call shows{" "}
          <code className="font-mono">{settings.forcedCallerId}</code>. The demo ends after {settings.demoDurationDays}{" "}
          days.
        </p>
        <ActionForm action={createDemoAccountAction} aria-label="New demo account">
          <CustomerFields />
          <SubmitButton>Create demo account</SubmitButton>
        </ActionForm>
      </Card>
    </>
  );
}
