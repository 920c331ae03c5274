import type { Metadata } from "next";
import { ActionForm, Checkbox, SubmitButton, TextField } from "@/components/forms";
import { NewSecretNotice } from "@/components/new-secret";
import { Badge, Card, formatDateTime, PageHeader, Table } from "@/components/ui";
import { listApiKeys, MAX_KEY_DAYS } from "@/lib/api/keys";
import { requirePermission } from "@/lib/auth/guards";
import { can } from "@/lib/auth/policy";
import { getDb } from "@/lib/db";
import { createApiKeyAction, revokeApiKeyAction } from "./actions";

export const metadata: Metadata = { title: "API keys" };

function keyState(key: { revokedAt: Date | null; expiresAt: Date | null }, now: Date) {
  if (key.revokedAt) return <Badge>revoked {formatDateTime(key.revokedAt)}</Badge>;
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
          <p className="text-slate-600">No API keys yet.</p>
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
                <td className="px-2 py-2">{key.name}</td>
                <td className="px-2 py-2 font-mono text-sm">{key.prefix}…</td>
                {everyone ? (
                  <td className="px-2 py-2">
                    {key.user.email} · {key.user.role.toLowerCase()}
                  </td>
                ) : null}
                <td className="px-2 py-2">{key.readOnly ? "read-only" : "full"}</td>
                <td className="whitespace-nowrap px-2 py-2">{formatDateTime(key.createdAt)}</td>
                <td className="whitespace-nowrap px-2 py-2">
                  {key.lastUsedAt ? `${formatDateTime(key.lastUsedAt)} from ${key.lastUsedIp ?? "?"}` : "never"}
                </td>
                <td className="whitespace-nowrap px-2 py-2">
                  {key.expiresAt ? formatDateTime(key.expiresAt) : "never"}
                </td>
                <td className="px-2 py-2">{keyState(key, now)}</td>
                <td className="px-2 py-2">
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
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Card>
    </>
  );
}
