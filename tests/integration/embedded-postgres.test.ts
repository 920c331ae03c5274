/**
 * The embedded PostgreSQL `npm start` runs: a generated superuser password (and the move away from the fixed one of
 * earlier versions), one port across restarts, databases closed to other roles, and the least-privilege role
 * Kamailio connects with.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { type EmbeddedDatabase, keptPort, startEmbeddedPostgres } from "@/lib/embedded-postgres";
import { ensureKamailioRole, kamailioRoleUrl } from "@/lib/registrar/kamailio-role";
import { ensureRegistrarSchema } from "@/lib/registrar/schema";

const dirs: string[] = [];
const clusters: EmbeddedDatabase[] = [];
afterAll(async () => {
  for (const cluster of clusters) await cluster.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "embedded-pg-test-"));
  dirs.push(dir);
  return dir;
}

async function start(options: Parameters<typeof startEmbeddedPostgres>[0]) {
  const cluster = await startEmbeddedPostgres({ quiet: true, ...options });
  clusters.push(cluster);
  return cluster;
}

/** Runs `sql` as the given URL's user; resolves with the SQLSTATE of the error, or "ok". */
async function attempt(url: string, sql: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query(sql);
    return "ok";
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

const withPassword = (url: string, password: string) => {
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.toString();
};

describe("the superuser password", () => {
  it("moves a cluster made with the fixed password of earlier versions to the generated one", async () => {
    const dir = tempDir();
    const before = await startEmbeddedPostgres({ dir, password: "postgres", quiet: true });
    await before.stop();

    const cluster = await start({ dir, password: "generated-Secret_123", formerPasswords: ["postgres"] });
    expect(await attempt(cluster.url("postgres"), "SELECT 1")).toBe("ok");
    expect(decodeURIComponent(new URL(cluster.url("postgres")).password)).toBe("generated-Secret_123");
    // 28P01 = invalid_password: the old one no longer opens the database.
    expect(await attempt(withPassword(cluster.url("postgres"), "postgres"), "SELECT 1")).toBe("28P01");
  });

  it("refuses to start on a cluster whose password it does not know, saying so", async () => {
    const dir = tempDir();
    await (await startEmbeddedPostgres({ dir, password: "first-password", quiet: true })).stop();
    await expect(startEmbeddedPostgres({ dir, password: "second-password", quiet: true })).rejects.toThrow(
      /refused the superuser password/,
    );
    // It did not leave a server behind: the same folder starts again with the right password.
    clusters.push(await startEmbeddedPostgres({ dir, password: "first-password", quiet: true }));
  });
});

describe("the port", () => {
  it("is kept across restarts, and moved (and kept) when another program has taken it", async () => {
    const file = path.join(tempDir(), "postgres", "port");
    const logged: string[] = [];
    const first = await keptPort(file, (message) => logged.push(message));
    expect(await keptPort(file, (message) => logged.push(message))).toBe(first);
    expect(logged).toEqual([]);

    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(first, "127.0.0.1", resolve));
    try {
      const moved = await keptPort(file, (message) => logged.push(message));
      expect(moved).not.toBe(first);
      expect(logged).toEqual([`port ${first} is taken by another program: moving to port ${moved}`]);
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
      expect(await keptPort(file, () => {})).toBe(moved);
    } finally {
      squatter.close();
    }
  });

  it("ignores a damaged port file", async () => {
    const file = path.join(tempDir(), "port");
    writeFileSync(file, "not a port\n");
    expect(await keptPort(file, () => {})).toBeGreaterThan(0);
  });
});

describe("Kamailio's role", () => {
  it("reaches only the registrar database, and there only what kamailio.cfg needs", async () => {
    const cluster = await start({ dir: tempDir() });
    await cluster.createDatabase("trunk_portal");
    await cluster.createDatabase("kamailio");
    await ensureRegistrarSchema(cluster.url("kamailio"));
    await ensureKamailioRole(cluster.url("kamailio"), "kamailio-Secret_1");
    // Idempotent, and a second run (a restart) takes a new password.
    await ensureKamailioRole(cluster.url("kamailio"), "kamailio-Secret_2");
    const kamailio = kamailioRoleUrl(cluster.url("kamailio"), "kamailio-Secret_2");

    expect(await attempt(kamailioRoleUrl(cluster.url("kamailio"), "kamailio-Secret_1"), "SELECT 1")).toBe("28P01");
    // 42501 = insufficient_privilege.
    expect(await attempt(kamailioRoleUrl(cluster.url("trunk_portal"), "kamailio-Secret_2"), "SELECT 1")).toBe("42501");

    const reads = ["SELECT * FROM version", "SELECT ha1, ha1b FROM subscriber", "SELECT * FROM usr_preferences"];
    for (const sql of reads) expect(await attempt(kamailio, sql), sql).toBe("ok");
    const registrations = [
      `INSERT INTO location (ruid, username, domain, contact, expires, user_agent)
       VALUES ('r1', 'u', 'sip.test', 'sip:u@192.0.2.1', now() + interval '1 hour', 'ua')`,
      "UPDATE location SET cseq = 2 WHERE ruid = 'r1'",
      "INSERT INTO location_attrs (ruid, username, domain, aname, atype, avalue) VALUES ('r1', 'u', 'sip.test', 'requested_host', 0, 'Sip.Test')",
      "DELETE FROM location_attrs WHERE ruid = 'r1'",
      "DELETE FROM location WHERE ruid = 'r1'",
    ];
    for (const sql of registrations) expect(await attempt(kamailio, sql), sql).toBe("ok");
    const forbidden = [
      "INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES ('x', 'sip.test', '', 'a', 'b')",
      "UPDATE subscriber SET ha1 = 'x'",
      "DELETE FROM subscriber",
      "INSERT INTO usr_preferences (uuid, username, domain, attribute, type, value) VALUES ('x', 'x', 'sip.test', 'call_limit', 0, '999')",
      "DELETE FROM usr_preferences",
      "UPDATE version SET table_version = 0",
      "CREATE TABLE stolen (id int)",
      "TRUNCATE location",
    ];
    for (const sql of forbidden) expect(await attempt(kamailio, sql), sql).toBe("42501");
  });
});
