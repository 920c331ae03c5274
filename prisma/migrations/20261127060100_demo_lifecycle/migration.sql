-- AlterTable
ALTER TABLE "Customer" ADD COLUMN     "demoExpiredAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Trunk" ADD COLUMN     "disabledByDemoExpiry" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "ProviderSettings" ADD COLUMN     "demoReminderDays" INTEGER NOT NULL DEFAULT 3;

-- CreateIndex
CREATE INDEX "Customer_demoExpiresAt_idx" ON "Customer"("demoExpiresAt");


-- Constraints Prisma's schema language cannot express.
ALTER TABLE "Customer" ADD CONSTRAINT "Customer_demo_expired" CHECK ("isDemo" OR "demoExpiredAt" IS NULL);
ALTER TABLE "Trunk" ADD CONSTRAINT "Trunk_expiry_disables"
  CHECK (NOT "disabledByDemoExpiry" OR "status" = 'DISABLED');
ALTER TABLE "ProviderSettings" ADD CONSTRAINT "ProviderSettings_demo_reminder_days"
  CHECK ("demoReminderDays" BETWEEN 1 AND 30);
