-- Lists and searches designed for a million trunks (lib/customers/search.ts): keyset pagination indexes, pg_trgm
-- indexes for substring search, and a pattern index for SIP username prefixes.
-- pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it without superuser rights.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- DropIndex
DROP INDEX "Customer_demoExpiresAt_idx";

-- DropIndex
DROP INDEX "Trunk_customerId_idx";

-- DropIndex
DROP INDEX "Trunk_syncState_idx";

-- CreateIndex
CREATE INDEX "User_email_trgm_idx" ON "User" USING GIN ("email" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "Customer_createdAt_id_idx" ON "Customer"("createdAt", "id");

-- CreateIndex
CREATE INDEX "Customer_demoExpiresAt_id_idx" ON "Customer"("demoExpiresAt", "id");

-- CreateIndex
CREATE INDEX "Customer_company_trgm_idx" ON "Customer" USING GIN ("company" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "Customer_contactName_trgm_idx" ON "Customer" USING GIN ("contactName" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "Customer_contactEmail_trgm_idx" ON "Customer" USING GIN ("contactEmail" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "Trunk_customerId_createdAt_id_idx" ON "Trunk"("customerId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Trunk_syncState_syncRequestedAt_idx" ON "Trunk"("syncState", "syncRequestedAt");

-- CreateIndex
CREATE INDEX "Did_number_trgm_idx" ON "Did" USING GIN ("number" gin_trgm_ops);


-- Username prefix search (username LIKE a prefix) with any database collation. The Prisma schema cannot express an
-- operator class on a B-tree index, so this index lives only here.
CREATE INDEX "Trunk_username_pattern_idx" ON "Trunk" ("username" text_pattern_ops);
