-- AlterTable
ALTER TABLE "ReconciliationRun" ADD COLUMN     "expected" INTEGER,
ADD COLUMN     "findingsTotal" INTEGER NOT NULL DEFAULT 0;

