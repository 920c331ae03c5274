import { CheckboxGroup, TextField } from "@/components/forms";
import { WEBHOOK_EVENTS } from "@/lib/webhooks/events";

/** The fields an endpoint is registered and edited with (lib/webhooks/endpoints validates them). */
export function EndpointFields({ endpoint }: { endpoint?: { url: string; description: string; events: string[] } }) {
  return (
    <>
      <TextField
        name="url"
        label="URL"
        defaultValue={endpoint?.url}
        hint="https:// only; events are POSTed here as JSON."
      />
      <TextField name="description" label="Description (optional)" defaultValue={endpoint?.description} />
      <CheckboxGroup
        name="events"
        legend="Events"
        defaultValues={endpoint?.events}
        options={Object.entries(WEBHOOK_EVENTS).map(([type, meaning]) => ({
          value: type,
          label: (
            <span>
              <code className="font-mono">{type}</code> — {meaning}
            </span>
          ),
        }))}
      />
      <TextField
        name="secret"
        label={endpoint ? "New signing secret (optional)" : "Signing secret (optional)"}
        autoComplete="off"
        hint={
          endpoint
            ? "Leave empty to keep the current secret; a whsec_… secret here replaces it at once."
            : "Leave empty and the portal generates one (shown once), or paste a whsec_… secret your receiver already has."
        }
      />
    </>
  );
}
