-- CreateTable
CREATE TABLE "TrunkDigestCheck" (
    "trunkId" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "checkedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TrunkDigestCheck_pkey" PRIMARY KEY ("trunkId")
);

-- AddForeignKey
ALTER TABLE "TrunkDigestCheck" ADD CONSTRAINT "TrunkDigestCheck_trunkId_fkey" FOREIGN KEY ("trunkId") REFERENCES "Trunk"("id") ON DELETE CASCADE ON UPDATE CASCADE;
