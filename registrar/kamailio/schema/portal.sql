-- Trunk Portal tables in the registrar database, beside Kamailio's own (kamailio.sql).
--
-- Idempotent: lib/registrar/schema.ts (ensureRegistrarSchema) applies this file on every start, after kamailio.sql,
-- so an existing registrar database gains the tables of a newer portal release. Apply it by hand with
-- `psql -f portal.sql` when the portal does not create the schema itself (an external registrar database).

-- The provider's SIP server names, exactly as spelled (they are case-sensitive), written by the portal
-- (Registrar.putProviderPolicy). kamailio.cfg refuses a call addressed to another casing of one of them and names the
-- exact name in the reply (route[SERVER_NAME_CASE]). One list for every Kamailio sharing this database.
CREATE TABLE IF NOT EXISTS server_name (
    hostname VARCHAR(253) PRIMARY KEY NOT NULL
);
CREATE INDEX IF NOT EXISTS server_name_lower_idx ON server_name (lower(hostname));
