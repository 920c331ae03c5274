-- CreateEnum
CREATE TYPE "CsvImportStatus" AS ENUM ('INVALID', 'READY', 'RUNNING', 'COMPLETED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "CsvImportRowStatus" AS ENUM ('PENDING', 'CREATED', 'EXISTING', 'FAILED', 'SKIPPED');

-- AlterTable
ALTER TABLE "Customer" ADD COLUMN     "externalId" TEXT;

-- AlterTable
ALTER TABLE "Trunk" ADD COLUMN     "externalId" TEXT;

-- CreateTable
CREATE TABLE "CsvImport" (
    "id" TEXT NOT NULL,
    "filename" TEXT NOT NULL,
    "status" "CsvImportStatus" NOT NULL,
    "sendCredentials" BOOLEAN NOT NULL DEFAULT false,
    "totalRows" INTEGER NOT NULL,
    "errors" JSONB NOT NULL DEFAULT '[]',
    "errorCount" INTEGER NOT NULL DEFAULT 0,
    "createdById" TEXT NOT NULL,
    "apiKeyId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "cancelRequestedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "CsvImport_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CsvImportRow" (
    "importId" TEXT NOT NULL,
    "line" INTEGER NOT NULL,
    "data" JSONB NOT NULL,
    "status" "CsvImportRowStatus" NOT NULL DEFAULT 'PENDING',
    "customerId" TEXT,
    "trunkId" TEXT,
    "username" TEXT,
    "error" TEXT,

    CONSTRAINT "CsvImportRow_pkey" PRIMARY KEY ("importId","line")
);

-- CreateIndex
CREATE UNIQUE INDEX "Customer_externalId_key" ON "Customer"("externalId");

-- CreateIndex
CREATE UNIQUE INDEX "Trunk_externalId_key" ON "Trunk"("externalId");

-- CreateIndex
CREATE INDEX "CsvImport_createdAt_idx" ON "CsvImport"("createdAt");

-- CreateIndex
CREATE INDEX "CsvImportRow_importId_status_idx" ON "CsvImportRow"("importId", "status");

-- AddForeignKey
ALTER TABLE "CsvImportRow" ADD CONSTRAINT "CsvImportRow_importId_fkey" FOREIGN KEY ("importId") REFERENCES "CsvImport"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Counts are never negative, and a row's line is after the header.
ALTER TABLE "CsvImport" ADD CONSTRAINT "CsvImport_counts_check" CHECK ("totalRows" >= 0 AND "errorCount" >= 0);
ALTER TABLE "CsvImportRow" ADD CONSTRAINT "CsvImportRow_line_check" CHECK ("line" >= 2);
