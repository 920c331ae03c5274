-- Server names are case-sensitive for calls, and the registrar refuses a call addressed to another casing of a
-- server name: two servers whose names differ only by case would make each other's calls fail. Prisma cannot
-- express an expression index, so this one lives in the migration only.
CREATE UNIQUE INDEX "SipServer_hostname_lower_key" ON "SipServer" (lower("hostname"));
