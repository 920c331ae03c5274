/**
 * Every PostgreSQL session the portal opens carries the name "trunk-portal" (pg_stat_activity.application_name), so
 * an operator, and the tests, can tell the portal's sessions from Kamailio's on the registrar database. Only a
 * fallback: an application_name in the connection URL, or PGAPPNAME, wins.
 */
export const PORTAL_SESSION = { fallback_application_name: "trunk-portal" } as const;
