-- CreateEnum
CREATE TYPE "PasswordDelivery" AS ENUM ('LINK', 'INLINE');

-- CreateEnum
CREATE TYPE "MailStatus" AS ENUM ('QUEUED', 'SENDING', 'SENT', 'FAILED');

-- AlterTable
ALTER TABLE "User" ADD COLUMN     "emailVerified" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Customer" ADD COLUMN     "demoNoticeAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "ProviderSettings" ADD COLUMN     "passwordDelivery" "PasswordDelivery" NOT NULL DEFAULT 'LINK';

-- CreateTable
CREATE TABLE "Mail" (
    "id" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "to" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "html" TEXT NOT NULL,
    "secretsSealed" TEXT,
    "secretsKeyId" TEXT,
    "customerId" TEXT,
    "trunkId" TEXT,
    "status" "MailStatus" NOT NULL DEFAULT 'QUEUED',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "nextAttemptAt" TIMESTAMP(3),
    "sentAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Mail_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RevealLink" (
    "id" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "trunkId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "usedIp" TEXT,
    "supersededAt" TIMESTAMP(3),

    CONSTRAINT "RevealLink_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VerificationToken" (
    "identifier" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "expires" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "VerificationToken_pkey" PRIMARY KEY ("identifier","token")
);

-- CreateTable
CREATE TABLE "WorkerHeartbeat" (
    "workerId" TEXT NOT NULL,
    "beatAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WorkerHeartbeat_pkey" PRIMARY KEY ("workerId")
);

-- CreateIndex
CREATE UNIQUE INDEX "Mail_messageId_key" ON "Mail"("messageId");

-- CreateIndex
CREATE INDEX "Mail_createdAt_idx" ON "Mail"("createdAt");

-- CreateIndex
CREATE INDEX "Mail_customerId_createdAt_idx" ON "Mail"("customerId", "createdAt");

-- CreateIndex
CREATE INDEX "Mail_status_idx" ON "Mail"("status");

-- CreateIndex
CREATE UNIQUE INDEX "RevealLink_tokenHash_key" ON "RevealLink"("tokenHash");

-- CreateIndex
CREATE INDEX "RevealLink_trunkId_idx" ON "RevealLink"("trunkId");

-- CreateIndex
CREATE UNIQUE INDEX "VerificationToken_token_key" ON "VerificationToken"("token");

-- AddForeignKey
ALTER TABLE "RevealLink" ADD CONSTRAINT "RevealLink_trunkId_fkey" FOREIGN KEY ("trunkId") REFERENCES "Trunk"("id") ON DELETE CASCADE ON UPDATE CASCADE;


ALTER TABLE "Mail" ADD CONSTRAINT "Mail_secrets_have_key" CHECK (("secretsSealed" IS NULL) = ("secretsKeyId" IS NULL));
