import type { Metadata } from "next";
import { ActionForm, SubmitButton } from "@/components/forms";
import { Alert, Card, PageHeader } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { getCustomer } from "@/lib/customers";
import { getDb } from "@/lib/db";
import { orNotFound } from "@/lib/or-not-found";
import { listServers } from "@/lib/servers";
import { getProviderSettings } from "@/lib/settings";
import { trunksRefusedFor } from "@/lib/trunks/active-account";
import { createTrunkAction } from "../../../../actions";
import { TrunkSettingsFields } from "../../../../trunks/trunk-settings-fields";

export const metadata: Metadata = { title: "New trunk" };

export default async function NewTrunkPage({ params }: { params: Promise<{ customerId: string }> }) {
  await requirePermission("trunks:create");
  const { customerId } = await params;
  const db = getDb();
  const [customer, servers, settings] = await Promise.all([
    orNotFound(getCustomer(db, customerId)),
    listServers(db, { activeOnly: true }),
    getProviderSettings(db),
  ]);
  const refused = trunksRefusedFor(customer);
  return (
    <>
      <PageHeader title={`New trunk for ${customer.company}`}>
        The SIP username and a strong password are generated for you.
      </PageHeader>
      {refused ? (
        <Alert tone="warning" role="status">
          {refused}
        </Alert>
      ) : (
        <Card>
          <ActionForm action={createTrunkAction} aria-label="New trunk">
            <input type="hidden" name="customerId" value={customer.id} />
            <TrunkSettingsFields
              servers={servers}
              defaults={{
                serverIds: servers.slice(0, 1).map((server) => server.id),
                callLimit: settings.demoCallLimit,
                dialPermission: settings.demoDialPermission,
                allowedCountries: [],
                callerIdPolicy: "FORCED",
                forcedCallerId: null,
                forcedCallerIdName: null,
                dids: [],
              }}
            />
            <SubmitButton>Create trunk</SubmitButton>
          </ActionForm>
        </Card>
      )}
    </>
  );
}
