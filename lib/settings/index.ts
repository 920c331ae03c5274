import { z } from "zod";
import { recordAudit } from "../audit/log";
import { defineCommand } from "../commands";
import type { Db, Tx } from "../db";
import { requestProviderPolicySync } from "../registrar/provider-policy";
import {
  callerIdName,
  callLimit,
  countryList,
  dialPermission,
  email,
  formNumber,
  numberPrefixList,
  phoneNumber,
  requiredText,
} from "../validation";

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
  // Validated like every other input: what is saved here becomes every new demo trunk's settings.
  input: z
    .object({
      providerName: requiredText("the provider name", 100),
      supportEmail: email,
      supportPhone: requiredText("a support phone number", 40),
      forcedCallerId: phoneNumber,
      forcedCallerIdName: callerIdName,
      demoCallLimit: callLimit,
      demoDialPermission: dialPermission,
      demoAllowedCountries: countryList,
      demoDurationDays: formNumber(
        z
          .number({ error: "Enter a number of days." })
          .int("Enter a whole number of days.")
          .min(1, "A demo lasts at least 1 day.")
          .max(365, "A demo lasts at most 365 days."),
      ),
      demoReminderDays: formNumber(
        z
          .number({ error: "Enter a number of days." })
          .int("Enter a whole number of days.")
          .min(1, "Send the reminder at least 1 day before the demo ends.")
          .max(30, "Send the reminder at most 30 days before the demo ends."),
      ),
      passwordDelivery: z.enum(["LINK", "INLINE"], { error: "Choose how passwords are delivered." }),
      blockedPrefixes: numberPrefixList.optional(),
      callRecordRetentionDays: formNumber(
        z
          .number({ error: "Enter a number of days." })
          .int("Enter a whole number of days.")
          .min(1, "Keep call records at least 1 day.")
          .max(3650, "Keep call records at most 3650 days."),
      ).optional(),
    })
    .superRefine((value, ctx) => {
      if (value.demoDialPermission === "COUNTRIES" && value.demoAllowedCountries.length === 0) {
        ctx.addIssue({
          code: "custom",
          path: ["demoAllowedCountries"],
          message: "List the countries demos may call, e.g. US, CA.",
        });
      }
    })
    // Countries mean nothing for the other permissions: do not keep a list that looks in force.
    .transform((value) => ({
      ...value,
      demoAllowedCountries: value.demoDialPermission === "COUNTRIES" ? value.demoAllowedCountries : [],
    })),
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

/** Which staff must use two-factor authentication; those without it are sent to set it up at their next request. */
export const updateTwoFactorRequirement = defineCommand({
  name: "settings.two-factor",
  permission: "settings:manage",
  input: z.object({
    twoFactorRequiredFor: z.enum(["NOBODY", "ADMINS", "ALL_STAFF"], { error: "Choose who must use 2FA." }),
  }),
  async run(ctx, { twoFactorRequiredFor }) {
    return ctx.db.$transaction(async (tx) => {
      const before = await getProviderSettings(tx);
      const after = await tx.providerSettings.update({ where: { id: 1 }, data: { twoFactorRequiredFor } });
      await recordAudit(tx, ctx, {
        action: "settings.two-factor",
        targetType: "settings",
        details: { from: before.twoFactorRequiredFor, to: twoFactorRequiredFor },
      });
      return after;
    });
  },
});
