-- AlterEnum
ALTER TYPE "SyncState" ADD VALUE 'NEEDS_ATTENTION';

-- CreateIndex
CREATE INDEX "Trunk_syncState_idx" ON "Trunk"("syncState");

