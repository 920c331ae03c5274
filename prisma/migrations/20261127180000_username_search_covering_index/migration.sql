-- Searches at a million trunks (lib/customers/search.ts). A username prefix needs only each matching trunk's
-- customer, so the pattern index carries it (INCLUDE) and a prefix matching thousands of trunks is answered from the
-- index alone, without reading the trunks' rows scattered over the table (measured in bench/README.md).
DROP INDEX "Trunk_username_pattern_idx";
CREATE INDEX "Trunk_username_pattern_idx" ON "Trunk" ("username" text_pattern_ops) INCLUDE ("customerId");

-- An email-looking search lists the customer with exactly that contact email first (case-insensitively).
CREATE INDEX "Customer_contactEmail_lower_idx" ON "Customer" (lower("contactEmail"));
