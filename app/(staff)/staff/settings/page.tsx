import type { Metadata } from "next";
import { ActionForm, SelectField, SubmitButton, TextAreaField, TextField } from "@/components/forms";
import { Card, PageHeader } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { getDb } from "@/lib/db";
import { getProviderSettings } from "@/lib/settings";
import { DIAL_PERMISSION_LABELS } from "@/lib/trunks/describe";
import { updateSettingsAction } from "../actions";

export const metadata: Metadata = { title: "Settings" };

export default async function SettingsPage() {
  await requirePermission("settings:manage");
  const settings = await getProviderSettings(getDb());
  return (
    <>
      <PageHeader title="Provider settings" />
      <Card>
        <ActionForm action={updateSettingsAction} aria-label="Provider settings">
          <TextField name="providerName" label="Provider name" defaultValue={settings.providerName} />
          <TextField name="supportEmail" label="Support email" type="email" defaultValue={settings.supportEmail} />
          <TextField name="supportPhone" label="Support phone" type="tel" defaultValue={settings.supportPhone} />
          <TextField
            name="forcedCallerId"
            label="Provider caller ID number"
            type="tel"
            defaultValue={settings.forcedCallerId}
            hint="Shown on every outbound call of trunks with a forced caller ID, 911 included."
          />
          <TextField
            name="forcedCallerIdName"
            label="Provider caller ID name (optional)"
            defaultValue={settings.forcedCallerIdName}
          />
          <SelectField
            name="passwordDelivery"
            label="SIP password delivery"
            defaultValue={settings.passwordDelivery}
            options={[
              { value: "LINK", label: "One-time link in the email (recommended)" },
              { value: "INLINE", label: "In the email body" },
            ]}
            hint="How credential emails give the customer their SIP password."
          />
          <h2 className="pt-2 text-lg font-semibold">Demo accounts</h2>
          <TextField
            name="demoCallLimit"
            label="Demo call limit"
            type="number"
            defaultValue={String(settings.demoCallLimit)}
          />
          <SelectField
            name="demoDialPermission"
            label="Demo dial permission"
            defaultValue={settings.demoDialPermission}
            options={Object.entries(DIAL_PERMISSION_LABELS)
              .filter(([value]) => value !== "COUNTRIES")
              .map(([value, label]) => ({ value, label }))}
          />
          <TextField
            name="demoDurationDays"
            label="Demo length in days"
            type="number"
            defaultValue={String(settings.demoDurationDays)}
          />
          <TextAreaField
            name="blockedPrefixes"
            label="Blocked destinations (fraud guard)"
            defaultValue={settings.blockedPrefixes.join(", ")}
            hint="Number prefixes no trunk may call, whatever its dial permission, e.g. +882, +883 (international networks). Comma or space separated."
          />
          <TextField
            name="callRecordRetentionDays"
            label="Keep call records for (days)"
            type="number"
            inputMode="numeric"
            defaultValue={String(settings.callRecordRetentionDays)}
            hint="Older call records are deleted from the registrar database every night."
          />
          <SubmitButton>Save settings</SubmitButton>
        </ActionForm>
      </Card>
    </>
  );
}
