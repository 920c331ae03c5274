import { randomBytes } from "node:crypto";
import { passwordProblem } from "./auth/password-policy";
import { hashPassword } from "./auth/passwords";
import type { Db } from "./db";
import { requestProviderPolicySync } from "./registrar/provider-policy";
import { getProviderSettings } from "./settings";

/**
 * First-run data: provider settings, a SIP server to start from, and the first admin. Idempotent: existing rows
 * are left alone. Returns the generated admin password when one was created without ADMIN_PASSWORD, so the caller
 * can print it once.
 */
export async function bootstrap(
  db: Db,
  options: {
    adminEmail?: string;
    adminPassword?: string;
    defaultSipServer: string;
    /** Where to check credentials on the default server; without it the check is off (the name may not resolve). */
    defaultSipServerProbeAddress?: string;
  },
): Promise<{ adminEmail: string; generatedPassword?: string } | null> {
  await getProviderSettings(db);
  if ((await db.sipServer.count()) === 0) {
    await db.$transaction(async (tx) => {
      await tx.sipServer.create({
        data: {
          hostname: options.defaultSipServer,
          realm: options.defaultSipServer.toLowerCase(),
          label: "Default",
          credentialCheck: Boolean(options.defaultSipServerProbeAddress),
          probeAddress: options.defaultSipServerProbeAddress || null,
        },
      });
      await requestProviderPolicySync(tx);
    });
  }
  if ((await db.user.count({ where: { role: "ADMIN" } })) > 0) return null;
  const adminEmail = (options.adminEmail ?? "admin@localhost.localdomain").trim().toLowerCase();
  const generatedPassword = options.adminPassword ? undefined : randomBytes(15).toString("base64url");
  const password = options.adminPassword ?? generatedPassword ?? "";
  const problem = passwordProblem(password, adminEmail);
  if (problem) throw new Error(`ADMIN_PASSWORD: ${problem}`);
  await db.user.create({
    data: { email: adminEmail, name: "Administrator", role: "ADMIN", passwordHash: await hashPassword(password) },
  });
  await db.auditLog.create({
    data: { action: "staff.bootstrap-admin", targetType: "user", details: { email: adminEmail } },
  });
  return { adminEmail, generatedPassword };
}

/**
 * bootstrap's options from the environment (README: ADMIN_EMAIL, ADMIN_PASSWORD, DEFAULT_SIP_SERVER,
 * DEFAULT_SIP_SERVER_PROBE_ADDRESS); `probeAddress` is where to check credentials when the environment names none.
 */
export function bootstrapOptions(env: NodeJS.ProcessEnv, probeAddress?: string) {
  // An empty variable is an unset one (compose passes `${ADMIN_EMAIL:-}` as "").
  const given = (name: string) => env[name] || undefined;
  return {
    adminEmail: given("ADMIN_EMAIL"),
    adminPassword: given("ADMIN_PASSWORD"),
    defaultSipServer: given("DEFAULT_SIP_SERVER") ?? "sip1.example.net",
    defaultSipServerProbeAddress: given("DEFAULT_SIP_SERVER_PROBE_ADDRESS") ?? probeAddress,
  };
}

/** What to tell whoever started the portal about the first admin `bootstrap` created (nothing when none was). */
export function firstAdminMessage(admin: Awaited<ReturnType<typeof bootstrap>>): string[] {
  if (!admin) return [];
  if (!admin.generatedPassword) return [`created the first admin: ${admin.adminEmail} (password from ADMIN_PASSWORD)`];
  return [
    `created the first admin: ${admin.adminEmail} with password ${admin.generatedPassword}`,
    "this password is shown only once; change it after signing in.",
  ];
}
