import { z } from "zod";
import { recordAudit } from "../audit/log";
import { defineCommand } from "../commands";
import type { Db } from "../db";
import { ConflictError, NotFoundError } from "../errors";
import { checkbox, hostname, id, requiredText } from "../validation";

export async function listServers(db: Db, { activeOnly = false } = {}) {
  return db.sipServer.findMany({
    where: activeOnly ? { active: true } : {},
    orderBy: [{ active: "desc" }, { createdAt: "asc" }],
    include: { _count: { select: { trunks: true } } },
  });
}

/**
 * The default SIP server: the oldest active one. The registrar `npm start` runs authenticates with its realm (one
 * realm per Kamailio, see registrar/kamailio/README.md).
 */
export async function defaultSipServer(db: Db) {
  return db.sipServer.findFirst({ where: { active: true }, orderBy: { createdAt: "asc" } });
}

const serverFields = {
  hostname,
  realm: hostname.optional().or(z.literal("").transform(() => undefined)),
  label: requiredText("a label", 80),
  active: checkbox,
};

export const createServer = defineCommand({
  name: "server.create",
  permission: "servers:manage",
  input: z.object(serverFields),
  async run(ctx, input) {
    return ctx.db.$transaction(async (tx) => {
      if (await tx.sipServer.findUnique({ where: { hostname: input.hostname } })) {
        throw new ConflictError("This hostname is already configured.", "hostname");
      }
      // The realm defaults to the lowercased hostname; it is part of every HA1, so it is fixed per server.
      const server = await tx.sipServer.create({
        data: { ...input, realm: input.realm ?? input.hostname.toLowerCase() },
      });
      await recordAudit(tx, ctx, {
        action: "server.create",
        targetType: "server",
        targetId: server.id,
        details: { hostname: server.hostname, realm: server.realm },
      });
      return server;
    });
  },
});

export const updateServer = defineCommand({
  name: "server.update",
  permission: "servers:manage",
  input: z.object({ serverId: id, label: serverFields.label, active: checkbox }),
  async run(ctx, { serverId, label, active }) {
    return ctx.db.$transaction(async (tx) => {
      if (!(await tx.sipServer.findUnique({ where: { id: serverId } }))) throw new NotFoundError("SIP server");
      const server = await tx.sipServer.update({ where: { id: serverId }, data: { label, active } });
      await recordAudit(tx, ctx, {
        action: "server.update",
        targetType: "server",
        targetId: serverId,
        details: { hostname: server.hostname, label, active },
      });
      return server;
    });
  },
});
