import type { Metadata } from "next";
import { ActionForm, SubmitButton } from "@/components/forms";
import { Card, PageHeader } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { getDb } from "@/lib/db";
import { orNotFound } from "@/lib/or-not-found";
import { listServers } from "@/lib/servers";
import { getTrunk } from "@/lib/trunks";
import { updateTrunkAction } from "../../../actions";
import { TrunkSettingsFields } from "../../trunk-settings-fields";

export const metadata: Metadata = { title: "Edit trunk" };

export default async function EditTrunkPage({ params }: { params: Promise<{ trunkId: string }> }) {
  await requirePermission("trunks:edit");
  const { trunkId } = await params;
  const db = getDb();
  const [trunk, servers] = await Promise.all([
    orNotFound(getTrunk(db, trunkId)),
    listServers(db, { activeOnly: true }),
  ]);
  return (
    <>
      <PageHeader title={`Edit trunk ${trunk.username}`} />
      <Card>
        <ActionForm action={updateTrunkAction} aria-label="Edit trunk">
          <input type="hidden" name="trunkId" value={trunk.id} />
          <TrunkSettingsFields
            servers={servers}
            defaults={{
              ...trunk,
              serverIds: trunk.servers.map((s) => s.serverId),
              dids: trunk.dids.map((d) => d.number),
            }}
          />
          <SubmitButton>Save settings</SubmitButton>
        </ActionForm>
      </Card>
    </>
  );
}
