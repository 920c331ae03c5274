import type { Metadata } from "next";
import { ActionForm, SelectField, SubmitButton } from "@/components/forms";
import { Badge, Card, DateTime, PageHeader, Table, Td } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { getDb } from "@/lib/db";
import { orNotFound } from "@/lib/or-not-found";
import { DELIVERIES_SHOWN, getWebhookEndpoint } from "@/lib/webhooks/endpoints";
import { redeliverWebhookAction, updateWebhookEndpointAction } from "../actions";
import { EndpointFields } from "../endpoint-fields";

export const metadata: Metadata = { title: "Webhook endpoint" };

const STATUS_COLORS = { PENDING: "amber", DELIVERING: "blue", SUCCEEDED: "green", FAILED: "red" } as const;

export default async function WebhookEndpointPage({ params }: { params: Promise<{ endpointId: string }> }) {
  await requirePermission("webhooks:manage");
  const { endpointId } = await params;
  const endpoint = await orNotFound(getWebhookEndpoint(getDb(), endpointId));
  return (
    <>
      <PageHeader title={endpoint.description || "Webhook endpoint"}>
        <span className="break-all font-mono text-sm">{endpoint.url}</span>
      </PageHeader>
      <Card title="Endpoint">
        <ActionForm action={updateWebhookEndpointAction} aria-label="Edit webhook endpoint">
          <input type="hidden" name="endpointId" value={endpoint.id} />
          <EndpointFields endpoint={endpoint} />
          <SelectField
            name="active"
            label="State"
            defaultValue={String(endpoint.active)}
            options={[
              { value: "true", label: "Active: receives its events" },
              { value: "false", label: "Disabled: receives nothing, waiting deliveries stop" },
            ]}
          />
          <SubmitButton>Save endpoint</SubmitButton>
        </ActionForm>
      </Card>
      <Card title={`Latest deliveries (up to ${DELIVERIES_SHOWN})`}>
        {endpoint.deliveries.length === 0 ? (
          <p className="text-muted-foreground">Nothing sent yet.</p>
        ) : (
          <Table caption="Webhook deliveries" headers={["Event", "Status", "Attempts", ""]}>
            {endpoint.deliveries.map((delivery) => (
              <tr key={delivery.id} className="align-top">
                <Td label="Event">
                  <code className="font-mono">{delivery.event.type}</code>
                  <div className="font-mono text-xs text-muted-foreground">{delivery.event.id}</div>
                  <div className="text-xs text-muted-foreground">
                    <DateTime value={delivery.event.createdAt} />
                  </div>
                </Td>
                <Td label="Status">
                  <Badge color={STATUS_COLORS[delivery.status]}>{delivery.status.toLowerCase()}</Badge>
                  {delivery.nextAttemptAt && delivery.status === "PENDING" ? (
                    <div className="text-xs text-muted-foreground">
                      next try <DateTime value={delivery.nextAttemptAt} />
                    </div>
                  ) : null}
                </Td>
                <Td label="Attempts">
                  {delivery.attempts.length === 0 ? (
                    <span className="text-muted-foreground">none yet</span>
                  ) : (
                    <ol className="space-y-1 text-sm">
                      {delivery.attempts.map((attempt) => (
                        <li key={attempt.id}>
                          <span className="whitespace-nowrap">
                            <DateTime value={attempt.startedAt} />
                          </span>
                          : <strong>{attempt.statusCode ?? "no answer"}</strong> in {attempt.durationMs} ms
                          {attempt.error && attempt.statusCode === null ? ` (${attempt.error})` : null}
                          {attempt.responseExcerpt ? (
                            <pre className="mt-1 max-w-md overflow-x-auto whitespace-pre-wrap break-all rounded bg-muted p-1 text-xs">
                              {attempt.responseExcerpt}
                            </pre>
                          ) : null}
                        </li>
                      ))}
                    </ol>
                  )}
                </Td>
                <Td label="Redeliver">
                  <ActionForm action={redeliverWebhookAction} aria-label={`Redeliver ${delivery.event.id}`}>
                    <input type="hidden" name="deliveryId" value={delivery.id} />
                    <SubmitButton variant="secondary">Redeliver</SubmitButton>
                  </ActionForm>
                </Td>
              </tr>
            ))}
          </Table>
        )}
      </Card>
    </>
  );
}
