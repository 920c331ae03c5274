-- A text search lists the customers whose company or contact name is exactly the query first (case-insensitively,
-- lib/customers/search.ts): equality on lower(…) is one index lookup, where the trigram indexes first match every
-- name sharing the query's trigrams (60 ms for a common name at 100,000 customers, measured in bench/README.md).
CREATE INDEX IF NOT EXISTS "Customer_company_lower_idx" ON "Customer" (lower("company"));
CREATE INDEX IF NOT EXISTS "Customer_contactName_lower_idx" ON "Customer" (lower("contactName"));
