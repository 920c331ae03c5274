-- AlterTable
ALTER TABLE "Trunk" ADD COLUMN     "capCountingSince" TIMESTAMP(3),
ADD COLUMN     "maxCallsPerDay" INTEGER,
ADD COLUMN     "maxCallsPerSecond" INTEGER,
ADD COLUMN     "maxMinutesPerDay" INTEGER,
ADD COLUMN     "outboundSuspendedAt" TIMESTAMP(3),
ADD COLUMN     "outboundSuspendedReason" TEXT;

-- AlterTable
ALTER TABLE "ProviderSettings" ADD COLUMN     "blockedPrefixes" TEXT[] DEFAULT ARRAY[]::TEXT[];


-- Hand-written checks (see prisma/schema.prisma's header).
ALTER TABLE "Trunk" ADD CONSTRAINT "Trunk_fraud_limits_check" CHECK (
  ("maxCallsPerSecond" IS NULL OR "maxCallsPerSecond" BETWEEN 1 AND 1000) AND
  ("maxCallsPerDay" IS NULL OR "maxCallsPerDay" BETWEEN 1 AND 1000000) AND
  ("maxMinutesPerDay" IS NULL OR "maxMinutesPerDay" BETWEEN 1 AND 1000000));
ALTER TABLE "Trunk" ADD CONSTRAINT "Trunk_outboundSuspended_check"
  CHECK (("outboundSuspendedAt" IS NULL) = ("outboundSuspendedReason" IS NULL));
ALTER TABLE "ProviderSettings" ADD CONSTRAINT "ProviderSettings_blockedPrefixes_check"
  CHECK (array_to_string("blockedPrefixes", ',') ~ '^(\+[1-9][0-9]{0,14}(,\+[1-9][0-9]{0,14})*)?$');
