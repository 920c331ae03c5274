-- AlterTable
ALTER TABLE "AuditLog" ADD COLUMN     "apiKeyId" TEXT;

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "keyHash" TEXT NOT NULL,
    "readOnly" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3),
    "lastUsedAt" TIMESTAMP(3),
    "lastUsedIp" TEXT,
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IdempotencyKey" (
    "apiKeyId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMP(3),
    "statusCode" INTEGER,
    "responseBody" TEXT,

    CONSTRAINT "IdempotencyKey_pkey" PRIMARY KEY ("apiKeyId","key")
);

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_prefix_key" ON "ApiKey"("prefix");

-- CreateIndex
CREATE INDEX "ApiKey_userId_idx" ON "ApiKey"("userId");

-- CreateIndex
CREATE INDEX "IdempotencyKey_createdAt_idx" ON "IdempotencyKey"("createdAt");

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IdempotencyKey" ADD CONSTRAINT "IdempotencyKey_apiKeyId_fkey" FOREIGN KEY ("apiKeyId") REFERENCES "ApiKey"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Checks Prisma cannot express.
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_name_check" CHECK (char_length(btrim("name")) BETWEEN 1 AND 80);
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_prefix_check" CHECK ("prefix" ~ '^tp_live_[A-Za-z0-9]{8}$');
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_keyHash_check" CHECK ("keyHash" ~ '^[0-9a-f]{64}$');
ALTER TABLE "IdempotencyKey" ADD CONSTRAINT "IdempotencyKey_key_check" CHECK (char_length("key") BETWEEN 1 AND 255);
ALTER TABLE "IdempotencyKey" ADD CONSTRAINT "IdempotencyKey_response_check"
  CHECK (("completedAt" IS NULL) = ("statusCode" IS NULL) AND ("completedAt" IS NULL) = ("responseBody" IS NULL));
