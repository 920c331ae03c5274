import "server-only";
import { routeActor } from "../auth/guards";
import type { Actor, Permission } from "../auth/policy";
import { NotFoundError } from "../errors";
import { getRegistrar } from "../registrar";
import { type TrunkForStatus, trunkLiveStatus } from "./live-status";
import type { Audience } from "./live-status-view";

const json = (body: unknown, status = 200) => Response.json(body, { status, headers: { "Cache-Control": "no-store" } });

/**
 * A trunk's live status route (what its page polls), behind the same checks as the page: the permission, then the
 * trunk as this actor may see it (`load` throws NotFoundError for another customer's trunk, as for a missing one).
 */
export async function liveStatusResponse(
  permission: Permission,
  audience: Audience,
  load: (actor: Actor) => Promise<TrunkForStatus>,
): Promise<Response> {
  const access = await routeActor(permission);
  if ("status" in access)
    return json({ error: access.status === 401 ? "Sign in again." : "Forbidden." }, access.status);
  let trunk: TrunkForStatus;
  try {
    trunk = await load(access.actor);
  } catch (error) {
    if (error instanceof NotFoundError) return json({ error: "Not found." }, 404);
    throw error;
  }
  return json(await trunkLiveStatus(getRegistrar(), trunk, audience));
}
