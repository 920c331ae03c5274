import type { Metadata } from "next";
import { ActionForm, SelectField, SubmitButton, TextAreaField, TextField } from "@/components/forms";
import { Card, PageHeader } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { getDb } from "@/lib/db";
import { getProviderSettings } from "@/lib/settings";
import { DIAL_PERMISSION_LABELS } from "@/lib/trunks/describe";
import { updateSettingsAction, updateTwoFactorRequirementAction } from "../actions";
import { CountriesField } from "../trunks/trunk-settings-fields";

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
            hint="Sent as the SIP display name: one line, at most 40 characters."
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
            options={Object.entries(DIAL_PERMISSION_LABELS).map(([value, label]) => ({ value, label }))}
          />
          <CountriesField
            name="demoAllowedCountries"
            label="Demo countries"
            defaultValue={settings.demoAllowedCountries}
          />
          <TextField
            name="demoDurationDays"
            label="Demo length in days"
            type="number"
            defaultValue={String(settings.demoDurationDays)}
          />
          <TextField
            name="demoReminderDays"
            label="Reminder before a demo ends, in days"
            type="number"
            defaultValue={String(settings.demoReminderDays)}
            hint="The customer is emailed this many days before the demo ends (1 to 30). At the end its trunks are disabled."
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
      <Card title="Security">
        <ActionForm action={updateTwoFactorRequirementAction} aria-label="Two-factor requirement">
          <SelectField
            name="twoFactorRequiredFor"
            label="Require two-factor authentication for"
            defaultValue={settings.twoFactorRequiredFor}
            options={[
              { value: "NOBODY", label: "Nobody (each staff member may turn it on)" },
              { value: "ADMINS", label: "Admins" },
              { value: "ALL_STAFF", label: "All staff" },
            ]}
            hint="Staff it applies to who have not set it up are sent to do so after signing in."
          />
          <SubmitButton>Save requirement</SubmitButton>
        </ActionForm>
      </Card>
    </>
  );
}
