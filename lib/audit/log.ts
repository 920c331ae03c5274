import type { CommandContext } from "../commands";
import type { Tx } from "../db";
import type { Prisma } from "../generated/prisma/client";

export type AuditEntry = {
  action: string;
  targetType: string;
  targetId?: string | null;
  customerId?: string | null;
  /** Never a secret: SIP passwords, tokens and password hashes must not be passed here. */
  details?: Prisma.InputJsonObject;
};

/** The scheduled jobs act on their own: the audit log records them without a person or an address. */
export const SYSTEM_ACTOR: Pick<CommandContext, "actor" | "meta"> = {
  actor: null,
  meta: { ip: null, userAgent: null },
};

/** The AuditLog row of an entry: who did what, to what, from where. */
export function auditRow(ctx: Pick<CommandContext, "actor" | "meta">, entry: AuditEntry) {
  return {
    actorId: ctx.actor?.id ?? null,
    actorEmail: ctx.actor?.email ?? null,
    actorRole: ctx.actor?.role ?? null,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId ?? null,
    customerId: entry.customerId ?? null,
    ip: ctx.meta.ip,
    userAgent: ctx.meta.userAgent,
    apiKeyId: ctx.meta.apiKeyId ?? null,
    details: entry.details ?? {},
  };
}

/** Records who did what, to what, from where; call it inside the transaction of the change it describes. */
export async function recordAudit(tx: Tx, ctx: Pick<CommandContext, "actor" | "meta">, entry: AuditEntry) {
  await tx.auditLog.create({ data: auditRow(ctx, entry) });
}
