#!/bin/sh
# First start of compose.yaml's PostgreSQL: the portal's database, and the registrar's with Kamailio's tables and
# its least-privilege login role (the grants of lib/registrar/kamailio-role.ts). The portal connects as the
# superuser here for brevity; give it a role of its own in production.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" <<SQL
CREATE DATABASE trunk_portal;
CREATE DATABASE kamailio;
CREATE ROLE kamailio LOGIN PASSWORD '${KAMAILIO_DB_PASSWORD}';
SQL
# Kamailio's own tables, then the portal's (call records, provider-wide lists, failed authentications): kamailio.cfg
# checks the acc table's version row at start and stops without it.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname kamailio -f /docker-entrypoint-initdb.d/kamailio.sql.in
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname kamailio -f /docker-entrypoint-initdb.d/portal.sql.in
# Exactly KAMAILIO_TABLE_PRIVILEGES of lib/registrar/kamailio-role.ts (what npm start grants).
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname kamailio <<SQL
GRANT CONNECT ON DATABASE kamailio TO kamailio;
GRANT SELECT ON version, subscriber, usr_preferences, server_name, blocked_prefix TO kamailio;
GRANT SELECT, INSERT, UPDATE, DELETE ON location, location_attrs TO kamailio;
GRANT SELECT, INSERT ON acc TO kamailio;
GRANT SELECT, INSERT, UPDATE ON auth_failure TO kamailio;
GRANT USAGE ON SEQUENCE location_id_seq, location_attrs_id_seq, acc_id_seq TO kamailio;
SQL
