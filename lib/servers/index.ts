import { z } from "zod";
import { recordAudit } from "../audit/log";
import { defineCommand } from "../commands";
import type { Db } from "../db";
import { ConflictError, NotFoundError } from "../errors";
import { requestProviderPolicySync } from "../registrar/provider-policy";
import { checkbox, hostname, id, realm, requiredText } from "../validation";

export async function listServers(db: Db, { activeOnly = false } = {}) {
  return db.sipServer.findMany({
    where: activeOnly ? { active: true } : {},
    orderBy: [{ active: "desc" }, { createdAt: "asc" }],
    include: { _count: { select: { trunks: true } } },
  });
}

/** Where the credential check sends its REGISTER instead of the hostname on 5060: "host", "host:port", "[v6]:port". */
const probeAddress = z
  .string()
  .trim()
  .max(260)
  .refine(
    (value) =>
      value === "" ||
      (/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$/.test(value) &&
        Number(/:([0-9]{1,5})$/.exec(value.replace(/^\[.*\]/, ""))?.[1] ?? 5060) <= 65535),
    "Enter a host or host:port, e.g. 192.0.2.10:5060.",
  )
  .optional()
  .transform((value) => value || null);
/**
 * The default SIP server: the oldest active one. The registrar `npm start` runs authenticates with its realm (one
 * realm per Kamailio, see registrar/kamailio/README.md).
 */
export async function defaultSipServer(db: Db) {
  return db.sipServer.findFirst({ where: { active: true }, orderBy: { createdAt: "asc" } });
}

const serverFields = {
  hostname,
  realm: z
    .string()
    .trim()
    .optional()
    .transform((value) => value || undefined),
  label: requiredText("a label", 80),
  active: checkbox,
  credentialCheck: checkbox,
  probeAddress,
};

export const createServer = defineCommand({
  name: "server.create",
  permission: "servers:manage",
  // The realm defaults to the lowercased hostname; it is part of every HA1, so it is fixed per server. Checked with
  // the registrar's own realm schema, so a server whose trunks the registrar would refuse cannot be added.
  input: z.object(serverFields).transform((input, ctx) => {
    const checked = realm.safeParse(input.realm ?? input.hostname.toLowerCase());
    if (!checked.success) {
      const [issue] = checked.error.issues;
      ctx.addIssue({
        code: "custom",
        path: ["realm"],
        message: input.realm
          ? (issue?.message ?? "Enter a valid realm.")
          : "This hostname is too long to be the realm: enter a realm of at most 64 characters.",
      });
      return z.NEVER;
    }
    return { ...input, realm: checked.data };
  }),
  async run(ctx, input) {
    return ctx.db.$transaction(async (tx) => {
      // Names that differ only by case cannot both exist: the registrar refuses calls to another casing of a name.
      const existing = await tx.sipServer.findFirst({
        where: { hostname: { equals: input.hostname, mode: "insensitive" } },
      });
      if (existing) {
        throw new ConflictError(
          existing.hostname === input.hostname
            ? "This hostname is already configured."
            : `${existing.hostname} is already configured; server names differing only by case cannot both exist.`,
          "hostname",
        );
      }
      const server = await tx.sipServer.create({ data: input });
      await requestProviderPolicySync(tx);
      await recordAudit(tx, ctx, {
        action: "server.create",
        targetType: "server",
        targetId: server.id,
        details: {
          hostname: server.hostname,
          realm: server.realm,
          credentialCheck: server.credentialCheck,
          probeAddress: server.probeAddress,
        },
      });
      return server;
    });
  },
});

export const updateServer = defineCommand({
  name: "server.update",
  permission: "servers:manage",
  input: z.object({
    serverId: id,
    label: serverFields.label,
    active: checkbox,
    credentialCheck: checkbox,
    probeAddress,
  }),
  async run(ctx, { serverId, ...changes }) {
    return ctx.db.$transaction(async (tx) => {
      if (!(await tx.sipServer.findUnique({ where: { id: serverId } }))) throw new NotFoundError("SIP server");
      const server = await tx.sipServer.update({ where: { id: serverId }, data: changes });
      await recordAudit(tx, ctx, {
        action: "server.update",
        targetType: "server",
        targetId: serverId,
        details: { hostname: server.hostname, ...changes },
      });
      return server;
    });
  },
});
