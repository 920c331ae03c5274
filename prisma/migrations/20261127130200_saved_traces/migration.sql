-- CreateTable
CREATE TABLE "SavedTrace" (
    "id" TEXT NOT NULL,
    "trunkId" TEXT NOT NULL,
    "savedById" TEXT,
    "savedByEmail" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "messageCount" INTEGER NOT NULL,
    "errorCount" INTEGER NOT NULL,
    "report" JSONB NOT NULL,
    "text" TEXT NOT NULL,

    CONSTRAINT "SavedTrace_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SavedTrace_trunkId_createdAt_idx" ON "SavedTrace"("trunkId", "createdAt");

-- CreateIndex
CREATE INDEX "SavedTrace_expiresAt_idx" ON "SavedTrace"("expiresAt");

-- AddForeignKey
ALTER TABLE "SavedTrace" ADD CONSTRAINT "SavedTrace_trunkId_fkey" FOREIGN KEY ("trunkId") REFERENCES "Trunk"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Hand-written checks (see prisma/schema.prisma's header).
ALTER TABLE "SavedTrace" ADD CONSTRAINT "SavedTrace_counts_check" CHECK ("messageCount" >= 0 AND "errorCount" >= 0);
ALTER TABLE "SavedTrace" ADD CONSTRAINT "SavedTrace_expiresAt_check" CHECK ("expiresAt" > "createdAt");
