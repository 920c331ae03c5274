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

-- Call records (Kamailio's acc module, route[CALL_RECORD] in kamailio.cfg): Kamailio 5.6.3's acc tables
-- (acc-create.sql, unmodified copy next to this file) plus the columns of kamailio.cfg's db_extra. One row per
-- finished transaction: the INVITE's final answer (2xx = answered, >= 300 = refused or failed, with code and reason)
-- and the BYE that ended an answered call. The portal reads them through Registrar.callRecords.
CREATE TABLE IF NOT EXISTS acc (
    id SERIAL PRIMARY KEY NOT NULL,
    method VARCHAR(16) DEFAULT '' NOT NULL,
    from_tag VARCHAR(128) DEFAULT '' NOT NULL,
    to_tag VARCHAR(128) DEFAULT '' NOT NULL,
    callid VARCHAR(255) DEFAULT '' NOT NULL,
    sip_code VARCHAR(3) DEFAULT '' NOT NULL,
    sip_reason VARCHAR(128) DEFAULT '' NOT NULL,
    time TIMESTAMP WITHOUT TIME ZONE NOT NULL
);
CREATE INDEX IF NOT EXISTS acc_callid_idx ON acc (callid);
ALTER TABLE acc ADD COLUMN IF NOT EXISTS trunk VARCHAR(64);
ALTER TABLE acc ADD COLUMN IF NOT EXISTS direction VARCHAR(3);
ALTER TABLE acc ADD COLUMN IF NOT EXISTS src_user VARCHAR(64);
ALTER TABLE acc ADD COLUMN IF NOT EXISTS dst_user VARCHAR(64);
ALTER TABLE acc ADD COLUMN IF NOT EXISTS src_ip VARCHAR(64);
ALTER TABLE acc ADD COLUMN IF NOT EXISTS local_reason VARCHAR(128);
-- A trunk's recent calls, newest first (keyset pagination on time, id); retention deletes by time.
CREATE INDEX IF NOT EXISTS acc_trunk_time_idx ON acc (trunk, time DESC, id DESC) WHERE method = 'INVITE';
CREATE INDEX IF NOT EXISTS acc_time_idx ON acc (time);
INSERT INTO version (table_name, table_version) VALUES ('acc', '5') ON CONFLICT (table_name) DO NOTHING;

CREATE TABLE IF NOT EXISTS missed_calls (
    id SERIAL PRIMARY KEY NOT NULL,
    method VARCHAR(16) DEFAULT '' NOT NULL,
    from_tag VARCHAR(128) DEFAULT '' NOT NULL,
    to_tag VARCHAR(128) DEFAULT '' NOT NULL,
    callid VARCHAR(255) DEFAULT '' NOT NULL,
    sip_code VARCHAR(3) DEFAULT '' NOT NULL,
    sip_reason VARCHAR(128) DEFAULT '' NOT NULL,
    time TIMESTAMP WITHOUT TIME ZONE NOT NULL
);
CREATE INDEX IF NOT EXISTS missed_calls_callid_idx ON missed_calls (callid);
INSERT INTO version (table_name, table_version) VALUES ('missed_calls', '4') ON CONFLICT (table_name) DO NOTHING;

-- Destinations nobody may call (provider-wide fraud guard, written by the portal with putProviderPolicy): E.164
-- prefixes with '+', e.g. '+882' (international networks), '+53'. kamailio.cfg route[FRAUD_GUARD] refuses a call to
-- a number starting with one of them.
CREATE TABLE IF NOT EXISTS blocked_prefix (
    prefix VARCHAR(16) PRIMARY KEY NOT NULL
);
-- The fraud guard's scan (Registrar.refusals): a day's refusals of some reasons, found without reading every call.
CREATE INDEX IF NOT EXISTS acc_refusal_idx ON acc (local_reason, time) WHERE local_reason IS NOT NULL;

-- Failed authentications per username and minute, from any source address (kamailio.cfg route[AUTH_FAILURE_RECORD]):
-- the per-address ban cannot see one username attacked from many addresses; the portal reads these counts
-- (Registrar.authFailures) and alerts support to a burst. `sources` keeps the first 16 distinct addresses of the
-- minute. The username is what the client sent (escaped, at most 64 characters), whether or not it exists.
CREATE TABLE IF NOT EXISTS auth_failure (
    username VARCHAR(64) NOT NULL,
    minute TIMESTAMP WITH TIME ZONE NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    sources TEXT[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (username, minute)
);
CREATE INDEX IF NOT EXISTS auth_failure_minute_idx ON auth_failure (minute);
