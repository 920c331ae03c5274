-- CreateTable
CREATE TABLE "AuthFailureBurst" (
    "id" TEXT NOT NULL,
    "trunkId" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,
    "failures" INTEGER NOT NULL,
    "sources" TEXT[],
    "endedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuthFailureBurst_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AuthFailureBurst_trunkId_startedAt_idx" ON "AuthFailureBurst"("trunkId", "startedAt");

-- AddForeignKey
ALTER TABLE "AuthFailureBurst" ADD CONSTRAINT "AuthFailureBurst_trunkId_fkey" FOREIGN KEY ("trunkId") REFERENCES "Trunk"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Hand-written (see the header of prisma/schema.prisma): one open burst per trunk, so two scans at once cannot
-- both alert. It also finds the open bursts (WHERE "endedAt" IS NULL).
CREATE UNIQUE INDEX "AuthFailureBurst_open_key" ON "AuthFailureBurst"("trunkId") WHERE "endedAt" IS NULL;
ALTER TABLE "AuthFailureBurst" ADD CONSTRAINT "AuthFailureBurst_counts_check"
  CHECK ("failures" > 0 AND "lastSeenAt" >= "startedAt" AND ("endedAt" IS NULL OR "endedAt" >= "startedAt"));
