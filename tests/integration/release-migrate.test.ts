/**
 * `npm run migrate`, the release step of a container deployment (compose.yaml's `migrate` service): on an empty
 * database it must leave everything a web instance and a worker need — migrations, the job queue's schema and the
 * first admin, who can then sign in — and running it again for the next release must change nothing.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { verifyPassword } from "../../lib/auth/passwords";
import { ROOT } from "../../lib/paths";
import { createTestDatabase } from "../support/database";

function migrate(env: Record<string, string>) {
  return spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "migrate.ts")], {
    cwd: ROOT,
    // compose passes unset optional variables as empty strings: they must count as unset.
    env: {
      NODE_ENV: "test",
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      DEFAULT_SIP_SERVER: "",
      ...env,
    },
    encoding: "utf8",
  });
}

async function query<T extends pg.QueryResultRow>(url: string, text: string) {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

describe("npm run migrate", () => {
  it("prepares an empty database for web instances and workers, and a second run changes nothing", async () => {
    const url = await createTestDatabase("release");
    const first = migrate({ DATABASE_URL: url, ADMIN_EMAIL: "Ops@Provider.example", ADMIN_PASSWORD: "" });
    expect(first.status, first.stderr).toBe(0);
    const printed = /created the first admin: ops@provider\.example with password (\S+)/.exec(first.stdout);
    expect(printed, first.stdout).not.toBeNull();

    const [admin] = await query<{ email: string; role: string; passwordHash: string }>(
      url,
      `SELECT email, role, "passwordHash" FROM "User"`,
    );
    expect(admin).toMatchObject({ email: "ops@provider.example", role: "ADMIN" });
    expect(await verifyPassword(admin?.passwordHash ?? "", printed?.[1] ?? "")).toBe(true);
    expect(await query(url, `SELECT hostname FROM "SipServer"`)).toEqual([{ hostname: "sip1.example.net" }]);
    const [queue] = await query<{ tables: string }>(
      url,
      `SELECT count(*)::text AS tables FROM information_schema.tables WHERE table_schema = 'graphile_worker'`,
    );
    expect(Number(queue?.tables)).toBeGreaterThan(0);
    expect(await query(url, `SELECT 1 FROM _prisma_migrations WHERE finished_at IS NULL`)).toEqual([]);

    const second = migrate({ DATABASE_URL: url, ADMIN_EMAIL: "someone-else@provider.example" });
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).not.toContain("created the first admin");
    expect(await query(url, `SELECT email FROM "User"`)).toEqual([{ email: "ops@provider.example" }]);
  });

  it("refuses to run without DATABASE_URL, saying what is missing", () => {
    const run = migrate({});
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("DATABASE_URL is not set");
  });
});
