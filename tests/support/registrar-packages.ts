import { ensureDebianPackages } from "./debian";

/**
 * Vitest globalSetup for the registrar project: the real Kamailio with its PostgreSQL driver, and SIPp. Installed when
 * running as root; otherwise the run fails with the command.
 */
export default function setup(): void {
  ensureDebianPackages([
    { name: "kamailio", provides: "/usr/sbin/kamailio" },
    { name: "kamailio-postgres-modules", provides: "/usr/lib/x86_64-linux-gnu/kamailio/modules/db_postgres.so" },
    { name: "sip-tester", provides: "/usr/bin/sipp" },
  ]);
}
