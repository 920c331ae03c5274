import { type DebianPackage, ensureDebianPackages } from "./debian";

/** The real Kamailio with its PostgreSQL driver, and SIPp. */
export const REGISTRAR_PACKAGES: DebianPackage[] = [
  { name: "kamailio", provides: "/usr/sbin/kamailio" },
  { name: "kamailio-postgres-modules", provides: "/usr/lib/x86_64-linux-gnu/kamailio/modules/db_postgres.so" },
  { name: "sip-tester", provides: "/usr/bin/sipp" },
];

/**
 * Vitest globalSetup for the registrar project: installed when running as root; otherwise the run fails with the
 * command.
 */
export default function setup(): void {
  ensureDebianPackages(REGISTRAR_PACKAGES);
}
