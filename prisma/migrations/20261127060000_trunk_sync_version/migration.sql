-- AlterTable
ALTER TABLE "Trunk" ADD COLUMN     "syncVersion" INTEGER NOT NULL DEFAULT 0;
