import { packetCheckAction } from "@/app/packet-check-action";
import { requirePermission } from "@/lib/auth/guards";
import type { Permission } from "@/lib/auth/policy";
import { getDb } from "@/lib/db";
import { orNotFound } from "@/lib/or-not-found";
import { expectationsFor, listSavedTraces } from "@/lib/packet-check/service";
import { visibleTrunk } from "@/lib/trunks/access";
import { troubleshooting } from "@/lib/trunks/setup-guides";
import { HelpTopics } from "./help-topics";
import { PacketCheck } from "./packet-check";
import { SavedTraces } from "./saved-traces";
import { Card, PageHeader } from "./ui";

/** The packet check page, the same for staff ("trunks:view") and the customer ("portal:use", own trunks only). */
export async function PacketCheckPage({ permission, trunkId }: { permission: Permission; trunkId: string }) {
  const actor = await requirePermission(permission);
  const trunk = await orNotFound(visibleTrunk(getDb(), actor, trunkId));
  const expectations = expectationsFor(trunk);
  const traces = await listSavedTraces(getDb(), trunk.id);
  return (
    <>
      <PageHeader title={`Packet check: ${trunk.username}`}>
        Compare a SIP capture with what trunk {trunk.username} should send and what our servers answer.
      </PageHeader>
      <Card title="Check a trace">
        <PacketCheck trunkId={trunk.id} action={packetCheckAction} />
      </Card>
      <Card title="How to fix">
        <HelpTopics topics={troubleshooting(expectations)} />
      </Card>
      <Card title="Ticket history">
        <SavedTraces traces={traces} />
      </Card>
    </>
  );
}
