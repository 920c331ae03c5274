-- CreateEnum
CREATE TYPE "CredentialCheckOutcome" AS ENUM ('VERIFIED', 'REJECTED', 'NO_ANSWER', 'ERROR');

-- AlterTable
ALTER TABLE "SipServer" ADD COLUMN     "credentialCheck" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "probeAddress" TEXT;

-- CreateTable
CREATE TABLE "CredentialCheck" (
    "trunkId" TEXT NOT NULL,
    "serverId" TEXT NOT NULL,
    "outcome" "CredentialCheckOutcome" NOT NULL,
    "status" INTEGER,
    "reason" TEXT,
    "latencyMs" INTEGER,
    "detail" TEXT,
    "checkedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CredentialCheck_pkey" PRIMARY KEY ("trunkId","serverId")
);

-- CreateIndex
CREATE INDEX "CredentialCheck_serverId_idx" ON "CredentialCheck"("serverId");

-- AddForeignKey
ALTER TABLE "CredentialCheck" ADD CONSTRAINT "CredentialCheck_trunkId_fkey" FOREIGN KEY ("trunkId") REFERENCES "Trunk"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CredentialCheck" ADD CONSTRAINT "CredentialCheck_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "SipServer"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Hand-written checks (see prisma/schema.prisma's header).
ALTER TABLE "SipServer" ADD CONSTRAINT "SipServer_probeAddress_check"
  CHECK ("probeAddress" IS NULL OR "probeAddress" ~ '^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$');
ALTER TABLE "CredentialCheck" ADD CONSTRAINT "CredentialCheck_status_check"
  CHECK ("status" IS NULL OR "status" BETWEEN 100 AND 699);
ALTER TABLE "CredentialCheck" ADD CONSTRAINT "CredentialCheck_latencyMs_check"
  CHECK ("latencyMs" IS NULL OR "latencyMs" >= 0);
