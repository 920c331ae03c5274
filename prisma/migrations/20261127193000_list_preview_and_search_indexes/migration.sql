-- The customers list at a million trunks (lib/customers/search.ts, measured in bench/README.md).

-- Each row of the list shows a customer's first live trunks, how many it has, and their first DIDs. With the trunk's
-- username and status in the index, and DIDs indexed in number order per trunk, those previews are read from the
-- indexes alone instead of from trunk and DID rows scattered over the two biggest tables. Both replace the index they
-- extend (same leading columns), so a trunk or DID insert maintains no more indexes than before.
DROP INDEX "Trunk_customerId_createdAt_id_idx";
CREATE INDEX "Trunk_customerId_createdAt_id_idx" ON "Trunk" ("customerId", "createdAt", "id") INCLUDE ("username", "status");
DROP INDEX "Did_trunkId_idx";
CREATE INDEX "Did_trunkId_number_idx" ON "Did" ("trunkId", "number");

-- The search's trigram indexes take new entries straight into the index instead of GIN's pending list: every search
-- reads the whole pending list (up to 4 MB) until a vacuum merges it, and updates to a table this small rarely
-- trigger one (measured: 5,000 pending entries, 321 of the 373 pages a company search read). Customers and staff are
-- written rarely enough that the slower insert does not matter.
ALTER INDEX "Customer_company_trgm_idx" SET (fastupdate = off);
ALTER INDEX "Customer_contactName_trgm_idx" SET (fastupdate = off);
ALTER INDEX "Customer_contactEmail_trgm_idx" SET (fastupdate = off);
ALTER INDEX "User_email_trgm_idx" SET (fastupdate = off);
SELECT gin_clean_pending_list('"Customer_company_trgm_idx"'::regclass);
SELECT gin_clean_pending_list('"Customer_contactName_trgm_idx"'::regclass);
SELECT gin_clean_pending_list('"Customer_contactEmail_trgm_idx"'::regclass);
SELECT gin_clean_pending_list('"User_email_trgm_idx"'::regclass);
