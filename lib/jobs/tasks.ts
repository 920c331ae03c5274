import type { TaskList } from "graphile-worker";
import { getDb } from "../db";
import { registrarFromEnv } from "../registrar";
import { syncTrunk } from "../registrar/sync";
import { SYNC_TRUNK_TASK } from "../trunks/provision";

/** Every background job the worker knows, by task name. */
export function jobTasks(): TaskList {
  const registrar = registrarFromEnv();
  return {
    [SYNC_TRUNK_TASK]: async (payload, helpers) => {
      const { trunkId } = payload as { trunkId: string };
      await syncTrunk(getDb(), registrar, trunkId, helpers.job.attempts);
    },
  };
}
