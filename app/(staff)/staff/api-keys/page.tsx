import type { Metadata } from "next";
import { ActionForm, Checkbox, SubmitButton, TextField } from "@/components/forms";
import { NewSecretNotice } from "@/components/new-secret";
import { Badge, Card, DateTime, PageHeader, Table, Td } from "@/components/ui";
import { listApiKeys, MAX_KEY_DAYS } from "@/lib/api/keys";
import { requirePermission } from "@/lib/auth/guards";
import { can } from "@/lib/auth/policy";
import { getDb } from "@/lib/db";
import { createApiKeyAction, revokeApiKeyAction } from "./actions";

export const metadata: Metadata = { title: "API keys" };

function keyState(key: { revokedAt: Date | null; expiresAt: Date | null }, now: Date) {
  if (key.revokedAt)
    return (
      <Badge>
        revoked <DateTime value={key.revokedAt} />
      </Badge>
    );
  if (key.expiresAt && key.expiresAt <= now) return <Badge color="amber">expired</Badge>;
  return <Badge color="green">active</Badge>;
}

export default async function ApiKeysPage() {
  const actor = await requirePermission("api-keys:own");
  const keys = await listApiKeys(getDb(), actor);
  const everyone = can(actor, "api-keys:manage");
  const now = new Date();
  return (
    <>
      <PageHeader title="API keys">
        Your own systems (billing, CRM, order forms) call the REST API at <code>/api/v1</code> with a key, sent as{" "}
        <code>Authorization: Bearer tp_live_…</code>. A key can do what you can do (your role), or only read.{" "}
        <a href="/staff/api-reference">API reference</a> · <a href="/api/v1/openapi.json">OpenAPI document</a>
      </PageHeader>
      <Card title="Create a key">
        <ActionForm action={createApiKeyAction} aria-label="Create API key">
          <NewSecretNotice
            message="Your new API key. Copy it now: it is not shown again, and the portal keeps only its hash."
            label="API key"
            testId="new-api-key"
          />
          <TextField name="name" label="Name" hint="What uses it, e.g. Billing system." />
          <Checkbox name="readOnly" label="Read-only (can list and read, cannot change anything)" />
          <TextField
            name="expiresInDays"
            label="Expires after (days, optional)"
            inputMode="numeric"
            hint={`1 to ${MAX_KEY_DAYS} days; leave empty for a key that does not expire.`}
          />
          <SubmitButton>Create key</SubmitButton>
        </ActionForm>
      </Card>
      <Card title={everyone ? "Every staff member's keys" : "Your keys"}>
        {keys.length === 0 ? (
          <p className="text-muted-foreground">No API keys yet.</p>
        ) : (
          <Table
            caption="API keys"
            headers={[
              "Name",
              "Key",
              ...(everyone ? ["Owner"] : []),
              "Access",
              "Created",
              "Last used",
              "Expires",
              "State",
              "",
            ]}
          >
            {keys.map((key) => (
              <tr key={key.id}>
                <Td label="Name">{key.name}</Td>
                <Td label="Key" className="font-mono text-sm">
                  {key.prefix}…
                </Td>
                {everyone ? (
                  <Td label="Owner">
                    {key.user.email} · {key.user.role.toLowerCase()}
                  </Td>
                ) : null}
                <Td label="Access">{key.readOnly ? "read-only" : "full"}</Td>
                <Td label="Created" className="sm:whitespace-nowrap">
                  <DateTime value={key.createdAt} />
                </Td>
                <Td label="Last used" className="sm:whitespace-nowrap">
                  {key.lastUsedAt ? (
                    <>
                      <DateTime value={key.lastUsedAt} /> from {key.lastUsedIp ?? "?"}
                    </>
                  ) : (
                    "never"
                  )}
                </Td>
                <Td label="Expires" className="sm:whitespace-nowrap">
                  {key.expiresAt ? <DateTime value={key.expiresAt} /> : "never"}
                </Td>
                <Td label="State">{keyState(key, now)}</Td>
                <Td label="Revoke">
                  {key.revokedAt ? null : (
                    <ActionForm
                      action={revokeApiKeyAction}
                      aria-label={`Revoke ${key.name}`}
                      confirm={`Revoke the key "${key.name}"? Whatever uses it stops working at once.`}
                    >
                      <input type="hidden" name="apiKeyId" value={key.id} />
                      <SubmitButton variant="secondary">Revoke</SubmitButton>
                    </ActionForm>
                  )}
                </Td>
              </tr>
            ))}
          </Table>
        )}
      </Card>
    </>
  );
}
