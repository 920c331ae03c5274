import type { Metadata } from "next";
import { ActionForm, Checkbox, SubmitButton, TextField } from "@/components/forms";
import { Badge, Card, CaseSensitiveWarning, CopyableValue, PageHeader } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { getDb } from "@/lib/db";
import { listServers } from "@/lib/servers";
import { createServerAction, updateServerAction } from "../actions";

export const metadata: Metadata = { title: "SIP servers" };

const PROBE_HINT =
  "Where the portal sends its check REGISTER (host or host:port), when the hostname does not resolve from the portal. Empty: the hostname, port 5060.";

export default async function ServersPage() {
  await requirePermission("servers:manage");
  const servers = await listServers(getDb());
  return (
    <>
      <PageHeader title="SIP servers" />
      <Card title="Add a SIP server">
        <ActionForm action={createServerAction} aria-label="Add SIP server">
          <TextField name="hostname" label="Hostname" hint="Exactly as customers must type it — the casing is kept." />
          <TextField
            name="realm"
            label="Digest realm (optional)"
            hint="Defaults to the hostname in lowercase; the registrar must use the same realm. It cannot change later."
          />
          <TextField name="label" label="Label" hint="e.g. US East" />
          <Checkbox name="active" label="Offer for new trunks" defaultChecked />
          <Checkbox name="credentialCheck" label="Verify trunks' credentials from the portal" defaultChecked />
          <TextField name="probeAddress" label="Check address (optional)" hint={PROBE_HINT} />
          <SubmitButton>Add server</SubmitButton>
        </ActionForm>
        <CaseSensitiveWarning />
      </Card>
      <Card title="Servers">
        <ul className="divide-y divide-border">
          {servers.map((server) => (
            <li key={server.id} className="py-4">
              <CopyableValue value={server.hostname} label={`hostname ${server.hostname}`} />{" "}
              {server.active ? <Badge color="green">active</Badge> : <Badge>inactive</Badge>}
              <p className="mt-1 text-sm text-muted-foreground">
                Realm <code className="font-mono">{server.realm}</code> · {server._count.trunks} trunks ·{" "}
                {server.credentialCheck
                  ? `credentials checked at ${server.probeAddress ?? `${server.hostname}:5060`}`
                  : "credentials not checked from the portal"}
              </p>
              <ActionForm
                action={updateServerAction}
                className="mt-2 flex flex-wrap items-end gap-3"
                aria-label={`Edit ${server.hostname}`}
              >
                <input type="hidden" name="serverId" value={server.id} />
                <TextField name="label" label="Label" defaultValue={server.label} />
                <Checkbox name="active" label="Active" defaultChecked={server.active} />
                <Checkbox name="credentialCheck" label="Verify credentials" defaultChecked={server.credentialCheck} />
                <TextField
                  name="probeAddress"
                  label="Check address"
                  defaultValue={server.probeAddress ?? ""}
                  hint={PROBE_HINT}
                />
                <SubmitButton variant="secondary">Save</SubmitButton>
              </ActionForm>
            </li>
          ))}
        </ul>
      </Card>
    </>
  );
}
