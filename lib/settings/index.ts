import { z } from "zod";
import { recordAudit } from "../audit/log";
import { defineCommand } from "../commands";
import type { Db, Tx } from "../db";
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
  demoReminderDays: 3,
} as const;

/** The provider-wide settings row, created with defaults the first time it is read. */
export async function getProviderSettings(db: Db | Tx) {
  const existing = await db.providerSettings.findUnique({ where: { id: 1 } });
  if (existing) return existing;
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
    demoReminderDays: z.coerce
      .number({ error: "Enter a number of days." })
      .int("Enter a whole number of days.")
      .min(1, "Send the reminder at least 1 day before the demo ends.")
      .max(30, "Send the reminder at most 30 days before the demo ends."),
    passwordDelivery: z.enum(["LINK", "INLINE"], { error: "Choose how passwords are delivered." }),
  }),
  async run(ctx, input) {
    return ctx.db.$transaction(async (tx) => {
      const before = await getProviderSettings(tx);
      const after = await tx.providerSettings.update({ where: { id: 1 }, data: input });
      const changed = Object.keys(input).filter(
        (key) => String(before[key as keyof typeof before]) !== String(after[key as keyof typeof after]),
      );
      await recordAudit(tx, ctx, { action: "settings.update", targetType: "settings", details: { changed } });
      return after;
    });
  },
});
