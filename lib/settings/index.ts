import { z } from "zod";
import { recordAudit } from "../audit/log";
import { defineCommand } from "../commands";
import type { Db, Tx } from "../db";
import { requestProviderPolicySync } from "../registrar/provider-policy";
import { callLimit, dialPermission, email, optionalText, phoneNumber, requiredText } from "../validation";

export const DEFAULT_SETTINGS = {
  providerName: "Trunk Portal",
  supportEmail: "support@example.com",
  supportPhone: "+1 202 555 0100",
  forcedCallerId: "+12025550100",
  forcedCallerIdName: null,
  demoCallLimit: 5,
  demoDialPermission: "US_ONLY",
  demoDurationDays: 14,
} as const;

/** The provider-wide settings row, created with defaults the first time it is read. */
export async function getProviderSettings(db: Db | Tx) {
  // Insert-if-missing without a unique violation, so concurrent first reads cannot fail each other.
  await db.providerSettings.createMany({ data: [{ id: 1, ...DEFAULT_SETTINGS }], skipDuplicates: true });
  return db.providerSettings.findUniqueOrThrow({ where: { id: 1 } });
}

export const updateProviderSettings = defineCommand({
  name: "settings.update",
  permission: "settings:manage",
  input: z.object({
    providerName: requiredText("the provider name", 100),
    supportEmail: email,
    supportPhone: requiredText("a support phone number", 40),
    forcedCallerId: phoneNumber,
    forcedCallerIdName: optionalText(40),
    demoCallLimit: callLimit,
    demoDialPermission: dialPermission,
    demoDurationDays: z.coerce
      .number({ error: "Enter a number of days." })
      .int("Enter a whole number of days.")
      .min(1, "A demo lasts at least 1 day.")
      .max(365, "A demo lasts at most 365 days."),
    passwordDelivery: z.enum(["LINK", "INLINE"], { error: "Choose how passwords are delivered." }),
    blockedPrefixes: z
      .string()
      .max(2000)
      .optional()
      .transform((value, ctx) => {
        if (value === undefined) return undefined;
        const prefixes = [...new Set(value.split(/[\s,]+/).filter(Boolean))];
        const bad = prefixes.find((prefix) => !/^\+[1-9][0-9]{0,14}$/.test(prefix));
        if (bad) {
          ctx.addIssue({ code: "custom", message: `"${bad}" is not a number prefix like +882.` });
          return z.NEVER;
        }
        return prefixes;
      }),
    callRecordRetentionDays: z.coerce
      .number({ error: "Enter a number of days." })
      .int("Enter a whole number of days.")
      .min(1, "Keep call records at least 1 day.")
      .max(3650, "Keep call records at most 3650 days.")
      .optional(),
  }),
  async run(ctx, input) {
    return ctx.db.$transaction(async (tx) => {
      const before = await getProviderSettings(tx);
      const after = await tx.providerSettings.update({ where: { id: 1 }, data: input });
      if (input.blockedPrefixes !== undefined) await requestProviderPolicySync(tx);
      const changed = Object.keys(input).filter(
        (key) => String(before[key as keyof typeof before]) !== String(after[key as keyof typeof after]),
      );
      await recordAudit(tx, ctx, { action: "settings.update", targetType: "settings", details: { changed } });
      return after;
    });
  },
});
