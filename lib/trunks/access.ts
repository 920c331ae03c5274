import type { Actor } from "../auth/policy";
import { can } from "../auth/policy";
import type { Db } from "../db";
import { NotFoundError } from "../errors";
import { isId } from "../validation";
import { trunkInclude as include } from "./include";

/**
 * A trunk as the pages shared by staff and customers load it (packet check, calls): staff see any trunk
 * ("trunks:view"), a customer only their own that is not deleted (as lib/portal's getOwnTrunk); for anyone else it
 * does not exist.
 */
export async function visibleTrunk(db: Db, actor: Actor | null, trunkId: string) {
  let trunk = null;
  if (!isId(trunkId)) throw new NotFoundError("Trunk");
  if (actor && can(actor, "trunks:view")) {
    trunk = await db.trunk.findUnique({ where: { id: trunkId }, include });
  } else if (actor && can(actor, "portal:use") && actor.customerId) {
    trunk = await db.trunk.findFirst({
      where: { id: trunkId, customerId: actor.customerId, status: { not: "DELETED" } },
      include,
    });
  }
  if (!trunk) throw new NotFoundError("Trunk");
  return trunk;
}

export type VisibleTrunk = Awaited<ReturnType<typeof visibleTrunk>>;

/** Where a trunk's troubleshooting topics are shown to this actor (`#help-<topic>` anchors). */
export function helpPath(actor: Actor, trunkId: string): string {
  return can(actor, "trunks:view") ? `/staff/trunks/${trunkId}/packet-check` : `/portal/trunks/${trunkId}`;
}
