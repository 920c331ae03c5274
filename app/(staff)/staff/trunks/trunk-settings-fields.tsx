import { CheckboxGroup, SelectField, TextAreaField, TextField } from "@/components/forms";
import { CALLER_ID_POLICY_LABELS, DIAL_PERMISSION_LABELS } from "@/lib/trunks/describe";

type PolicyDefaults = {
  callLimit: number;
  dialPermission: string;
  allowedCountries: string[];
  callerIdPolicy: string;
  forcedCallerId: string | null;
  forcedCallerIdName: string | null;
};
type Defaults = PolicyDefaults & { serverIds: string[]; dids: string[] };

/** The countries of the "Selected countries" dial permission, for trunks and for demo settings alike. */
export function CountriesField({ name, label, defaultValue }: { name: string; label: string; defaultValue: string[] }) {
  return (
    <TextField
      name={name}
      label={label}
      defaultValue={defaultValue.join(", ")}
      hint="Only for “Selected countries”: two-letter country codes, e.g. US, CA, GB. Each is exact: US does not open Canada or Puerto Rico, though they share +1."
    />
  );
}

/** The trunk settings shared by the create and edit forms. */
export function TrunkSettingsFields({
  servers,
  defaults,
}: {
  servers: { id: string; hostname: string; label: string }[];
  defaults: Defaults;
}) {
  return (
    <>
      <CheckboxGroup
        name="serverIds"
        legend="SIP server(s)"
        defaultValues={defaults.serverIds}
        options={servers.map((server) => ({
          value: server.id,
          label: (
            <span>
              <code className="font-mono">{server.hostname}</code> — {server.label}
            </span>
          ),
        }))}
      />
      <TrunkPolicyFields defaults={defaults} />
      <TextAreaField
        name="dids"
        label="DIDs (inbound numbers)"
        defaultValue={defaults.dids.join("\n")}
        hint="One per line, e.g. +19193333333."
      />
    </>
  );
}

/** A trunk's calling policy (limit, dialing, caller ID): part of the trunk forms, and all a demo's conversion sets. */
export function TrunkPolicyFields({ defaults }: { defaults: PolicyDefaults }) {
  return (
    <>
      <TextField
        name="callLimit"
        label="Concurrent call limit"
        type="number"
        inputMode="numeric"
        defaultValue={String(defaults.callLimit)}
        hint="1 to 1000 simultaneous calls."
      />
      <SelectField
        name="dialPermission"
        label="Dial permission"
        defaultValue={defaults.dialPermission}
        options={Object.entries(DIAL_PERMISSION_LABELS).map(([value, label]) => ({ value, label }))}
      />
      <CountriesField name="allowedCountries" label="Allowed countries" defaultValue={defaults.allowedCountries} />
      <SelectField
        name="callerIdPolicy"
        label="Outbound caller ID"
        defaultValue={defaults.callerIdPolicy}
        options={Object.entries(CALLER_ID_POLICY_LABELS).map(([value, label]) => ({ value, label }))}
      />
      <TextField
        name="forcedCallerId"
        label="Forced caller ID number"
        type="tel"
        defaultValue={defaults.forcedCallerId}
        hint="Leave empty to use the provider's number from the settings."
      />
      <TextField
        name="forcedCallerIdName"
        label="Forced caller ID name (optional)"
        defaultValue={defaults.forcedCallerIdName}
      />
    </>
  );
}
