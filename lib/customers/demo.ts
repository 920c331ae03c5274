import { z } from "zod";
import { recordAudit } from "../audit/log";
import { defineCommand } from "../commands";
import { type Tx, transaction } from "../db";
import { ConflictError } from "../errors";
import type { ProviderSettings } from "../generated/prisma/client";
import { queueMail } from "../mail/queue";
import { demoConvertedMail, demoExtendedMail, type RenderedMail } from "../mail/templates";
import { getProviderSettings } from "../settings";
import { lockCustomerTrunks, requestTrunkSync, trunkPolicyData } from "../trunks/provision";
import { trunkPolicy } from "../trunks/schema";
import { id } from "../validation";
import { lockCustomer } from "./index";

const DAY_MS = 24 * 60 * 60 * 1000;
/** A demo can be extended to at most this far ahead. */
export const MAX_DEMO_DAYS = 365;

/** Where a demo stands, for staff and for the customer: when it ends and how many (started) days are left. */
export function demoStatus(customer: { isDemo: boolean; demoExpiresAt: Date | null }, now = new Date()) {
  if (!customer.isDemo || !customer.demoExpiresAt) return null;
  const left = customer.demoExpiresAt.getTime() - now.getTime();
  return { endsAt: customer.demoExpiresAt, ended: left <= 0, daysLeft: Math.max(0, Math.ceil(left / DAY_MS)) };
}

/** A date from a date field (YYYY-MM-DD); the demo runs to the end of that day, UTC. */
const demoEndDate = z
  .string({ error: "Choose the new end date." })
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Choose the new end date.")
  .transform((value, ctx) => {
    const [year, month, day] = value.split("-").map(Number) as [number, number, number];
    const end = new Date(Date.UTC(year, month - 1, day, 23, 59, 59));
    if (end.getUTCDate() !== day || end.getUTCMonth() !== month - 1) {
      ctx.addIssue({ code: "custom", message: "Choose a date that exists." });
      return z.NEVER;
    }
    const now = Date.now();
    if (end.getTime() <= now) ctx.addIssue({ code: "custom", message: "Choose a date in the future." });
    if (end.getTime() > now + MAX_DEMO_DAYS * DAY_MS) {
      ctx.addIssue({ code: "custom", message: `A demo can run at most ${MAX_DEMO_DAYS} days from today.` });
    }
    return end;
  });

/** Emails the account's contact about its demo (through the outbox), unless the account is suspended or closed. */
export async function queueDemoMail(
  tx: Tx,
  customer: { id: string; status: string; contactName: string; contactEmail: string; company: string },
  kind: string,
  render: (about: { provider: ProviderSettings; contactName: string; company: string }) => RenderedMail,
) {
  if (customer.status !== "ACTIVE") return;
  const provider = await getProviderSettings(tx);
  await queueMail(tx, {
    ...render({ provider, contactName: customer.contactName, company: customer.company }),
    kind,
    to: customer.contactEmail,
    customerId: customer.id,
  });
}

/** What a trunk the expiry job disabled becomes when its demo is extended or converted. */
const ENABLED_AGAIN = { status: "ACTIVE", statusReason: null, disabledByDemoExpiry: false } as const;

/** The customer, locked, when it is a demo; account-wide demo changes start here. */
async function lockDemo(tx: Tx, customerId: string) {
  const customer = await lockCustomer(tx, customerId);
  if (!customer.isDemo) throw new ConflictError("This account is not a demo (it may just have been converted).");
  return customer;
}

/**
 * Gives a demo a new end date (later than the current one). Trunks the expiry job disabled are enabled again, every
 * trunk is synced, the reminder will go out again before the new end, and the customer is told.
 */
export const extendDemo = defineCommand({
  name: "demo.extend",
  permission: "demo:extend",
  input: z.object({ customerId: id, demoExpiresAt: demoEndDate }),
  async run(ctx, { customerId, demoExpiresAt }) {
    return transaction(ctx.db, async (tx) => {
      const before = await lockDemo(tx, customerId);
      if (before.demoExpiresAt && demoExpiresAt <= before.demoExpiresAt) {
        throw new ConflictError(
          `Choose a date after the current end (${before.demoExpiresAt.toISOString().slice(0, 10)}).`,
          "demoExpiresAt",
        );
      }
      const customer = await tx.customer.update({
        where: { id: customerId },
        data: { demoExpiresAt, demoNoticeAt: null, demoExpiredAt: null },
      });
      const trunks = await lockCustomerTrunks(tx, customerId, { status: { not: "DELETED" } });
      const reenabled = trunks.filter((trunk) => trunk.disabledByDemoExpiry);
      for (const trunk of reenabled) {
        await tx.trunk.update({ where: { id: trunk.id }, data: ENABLED_AGAIN });
      }
      // Every trunk, not only the re-enabled ones: a sync made after the old end refused them all at the registrar.
      for (const trunk of trunks) await requestTrunkSync(tx, trunk.id);
      await queueDemoMail(tx, customer, "demo.extended", (about) =>
        demoExtendedMail({ ...about, expiresAt: demoExpiresAt }),
      );
      await recordAudit(tx, ctx, {
        action: "demo.extend",
        targetType: "customer",
        targetId: customerId,
        customerId,
        details: {
          from: before.demoExpiresAt?.toISOString() ?? null,
          to: demoExpiresAt.toISOString(),
          reenabledTrunks: reenabled.map((trunk) => trunk.username),
        },
      });
      return customer;
    });
  },
});

/**
 * Turns a demo into a paying account in one transaction: the account stops being a demo (no end, no reminder),
 * every trunk gets the calling policy sales chose (call limit, dial permission, caller ID), trunks the expiry job
 * disabled are enabled again, and every trunk is synced.
 */
export const convertDemo = defineCommand({
  name: "demo.convert",
  permission: "demo:convert",
  input: z.intersection(z.object({ customerId: id }), trunkPolicy),
  async run(ctx, { customerId, ...policy }) {
    return transaction(ctx.db, async (tx) => {
      const before = await lockDemo(tx, customerId);
      const trunks = await lockCustomerTrunks(tx, customerId, { status: { not: "DELETED" } });
      const withoutDids = trunks.filter((trunk) => trunk.dids.length === 0);
      if (policy.callerIdPolicy === "OWN_DIDS" && withoutDids.length > 0) {
        throw new ConflictError(
          `Trunk ${withoutDids.map((trunk) => trunk.username).join(", ")} has no DIDs to use as caller ID: add DIDs to it first, or keep a forced caller ID.`,
          "callerIdPolicy",
        );
      }
      const data = await trunkPolicyData(tx, policy);
      for (const trunk of trunks) {
        await tx.trunk.update({
          where: { id: trunk.id },
          data: {
            ...data,
            ...(trunk.disabledByDemoExpiry ? ENABLED_AGAIN : {}),
          },
        });
        await requestTrunkSync(tx, trunk.id);
      }
      const customer = await tx.customer.update({
        where: { id: customerId },
        data: { isDemo: false, demoExpiresAt: null, demoNoticeAt: null, demoExpiredAt: null },
      });
      const usernames = trunks.map((trunk) => trunk.username);
      await queueDemoMail(tx, customer, "demo.converted", (about) =>
        demoConvertedMail({ ...about, usernames, policy: data }),
      );
      await recordAudit(tx, ctx, {
        action: "demo.convert",
        targetType: "customer",
        targetId: customerId,
        customerId,
        details: {
          demoExpiresAt: before.demoExpiresAt?.toISOString() ?? null,
          callLimit: data.callLimit,
          dialPermission: data.dialPermission,
          allowedCountries: data.allowedCountries,
          callerIdPolicy: data.callerIdPolicy,
          trunks: usernames,
        },
      });
      return customer;
    });
  },
});
