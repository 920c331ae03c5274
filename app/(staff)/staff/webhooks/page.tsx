import type { Metadata } from "next";
import Link from "next/link";
import { ActionForm, SubmitButton } from "@/components/forms";
import { NewSecretNotice } from "@/components/new-secret";
import { Badge, Card, DateTime, PageHeader, Table, Td } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { getDb } from "@/lib/db";
import { listWebhookEndpoints } from "@/lib/webhooks/endpoints";
import { createWebhookEndpointAction } from "./actions";
import { EndpointFields } from "./endpoint-fields";

export const metadata: Metadata = { title: "Webhooks" };

export default async function WebhooksPage() {
  await requirePermission("webhooks:manage");
  const endpoints = await listWebhookEndpoints(getDb());
  return (
    <>
      <PageHeader title="Webhooks">
        Your own systems hear of changes as they happen: each event is POSTed as JSON to the endpoints that subscribe to
        it, signed the <a href="https://www.standardwebhooks.com">Standard Webhooks</a> way (headers{" "}
        <code>webhook-id</code>, <code>webhook-timestamp</code>, <code>webhook-signature</code>), and retried for three
        days until the receiver answers with a 2xx.
      </PageHeader>
      <Card title="Register an endpoint">
        <ActionForm action={createWebhookEndpointAction} aria-label="Register webhook endpoint">
          <NewSecretNotice
            message="The endpoint's signing secret. Give it to the receiver now: it is not shown again (a new one can replace it)."
            label="Signing secret"
            testId="new-webhook-secret"
          />
          <EndpointFields />
          <SubmitButton>Register endpoint</SubmitButton>
        </ActionForm>
      </Card>
      <Card title="Endpoints">
        {endpoints.length === 0 ? (
          <p className="text-muted-foreground">No endpoints yet.</p>
        ) : (
          <Table caption="Webhook endpoints" headers={["URL", "Events", "State", "Waiting", "Created"]}>
            {endpoints.map((endpoint) => (
              <tr key={endpoint.id}>
                <Td label="URL" className="break-all">
                  <Link href={`/staff/webhooks/${endpoint.id}`}>{endpoint.url}</Link>
                  {endpoint.description ? <div className="text-muted-foreground">{endpoint.description}</div> : null}
                </Td>
                <Td label="Events" className="font-mono text-xs">
                  {endpoint.events.join(", ")}
                </Td>
                <Td label="State">{endpoint.active ? <Badge color="green">active</Badge> : <Badge>disabled</Badge>}</Td>
                <Td label="Waiting">{endpoint._count.deliveries}</Td>
                <Td label="Created" className="sm:whitespace-nowrap">
                  <DateTime value={endpoint.createdAt} />
                </Td>
              </tr>
            ))}
          </Table>
        )}
      </Card>
    </>
  );
}
