-- AlterTable
ALTER TABLE "ProviderSettings" ADD COLUMN     "callRecordRetentionDays" INTEGER NOT NULL DEFAULT 90;


-- Hand-written checks (see prisma/schema.prisma's header).
ALTER TABLE "ProviderSettings" ADD CONSTRAINT "ProviderSettings_callRecordRetentionDays_check"
  CHECK ("callRecordRetentionDays" BETWEEN 1 AND 3650);
