import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseEnv } from "../env";
import { referenceKamailioCommand, registrarConnection } from "./connection";
import { KAMAILIO_CFG, kamailioArgs } from "./kamailio-server";

const base = {
  DATABASE_URL: "postgresql://portal:portal-Secret@127.0.0.1:5432/trunk_portal",
  AUTH_SECRET: "x".repeat(32),
  CREDENTIAL_ENCRYPTION_KEY: Buffer.alloc(32).toString("base64"),
};

describe("registrarConnection", () => {
  it("tells where the SQL adapter connects, never with the password", () => {
    const config = parseEnv({
      ...base,
      REGISTRAR_DATABASE_URL: "postgresql://postgres:s3cr%40t-Pw@127.0.0.1:54321/kamailio",
    });
    const connection = registrarConnection(config);
    expect(connection).toEqual({
      adapter: "sql",
      host: "127.0.0.1",
      port: 54321,
      database: "kamailio",
      role: "postgres",
    });
    expect(JSON.stringify(connection)).not.toMatch(/s3cr/);
  });

  it("shows the HTTP adapter's URL without credentials in it", () => {
    const config = parseEnv({
      ...base,
      REGISTRAR_DATABASE_URL: "postgresql://postgres:pw@127.0.0.1:5432/kamailio",
      REGISTRAR_HTTP_URL: "https://ops:hunter2@registrar.example.net/api",
      REGISTRAR_HTTP_SECRET: "s".repeat(32),
    });
    expect(registrarConnection(config)).toEqual({ adapter: "http", url: "https://registrar.example.net/api" });
  });
});

describe("referenceKamailioCommand", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fake-kamailio-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the command line in a shell, with `kamailio` replaced by a script that reports what it was given. */
  function runInShell(command: string, environment: Record<string, string>) {
    writeFileSync(
      path.join(dir, "kamailio"),
      `#!/bin/sh\nprintf '%s\\n' "PGPASSWORD=$PGPASSWORD" "TZ=$TZ"\nprintf '%s\\n' "$@"\n`,
    );
    chmodSync(path.join(dir, "kamailio"), 0o755);
    const output = execFileSync("sh", ["-c", command], {
      encoding: "utf8",
      env: { NODE_ENV: "test", PATH: `${dir}:/usr/bin:/bin`, ...environment },
    });
    return output.trimEnd().split("\n");
  }

  it("names the password and the machine's address as shell variables, and passes exactly the defines npm start uses", () => {
    const { tunnel, command } = referenceKamailioCommand(
      { adapter: "sql", host: "127.0.0.1", port: 54321, database: "kamailio", role: "postgres" },
      "sip1.example.net",
    );
    expect(tunnel).toBe("ssh -N -L 54321:127.0.0.1:54321 <this portal's host>");
    expect(command).not.toMatch(/postgres:\/\/[^@]*:/); // no password in the URL
    const [password, timeZone, ...args] = runInShell(command, {
      SIP_IP: "192.0.2.5",
      KAMAILIO_DB_PASSWORD: "the-Secret_1",
    });
    expect(password).toBe("PGPASSWORD=the-Secret_1");
    expect(timeZone).toBe("TZ=UTC");
    expect(args).toEqual(
      kamailioArgs(KAMAILIO_CFG, {
        LISTEN_IP: "192.0.2.5",
        LISTEN_PORT: 5060,
        DBURL: "postgres://kamailio@127.0.0.1:54321/kamailio",
        REALM: "sip1.example.net",
      }),
    );
  });

  it("needs no tunnel for a database another machine can reach", () => {
    const { tunnel, command } = referenceKamailioCommand(
      { adapter: "sql", host: "db.internal", port: 5432, database: "registrar", role: "portal" },
      "sip.example.net",
    );
    expect(tunnel).toBeNull();
    expect(command).toContain(`-A 'DBURL="postgres://kamailio@db.internal:5432/registrar"'`);
  });
});
