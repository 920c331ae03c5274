import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseEnv } from "./env";

const valid = {
  DATABASE_URL: "postgresql://u:p@127.0.0.1:5432/db",
  AUTH_SECRET: randomBytes(32).toString("base64"),
  CREDENTIAL_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
};

describe("start-up configuration", () => {
  it("accepts a valid environment and fills in defaults", () => {
    const env = parseEnv(valid);
    expect(env.PORTAL_URL).toBe("http://localhost:3000");
    expect(env.CREDENTIAL_PREVIOUS_KEYS).toEqual([]);
    expect(env.REGISTRAR_RECONCILE_REMOVE_UNKNOWN).toBe(false);
    expect(env.DATABASE_POOL_SIZE).toBe(10);
  });

  it("treats an empty variable as unset, as compose passes optional ones", () => {
    const env = parseEnv({ ...valid, SMTP_URL: "", METRICS_TOKEN: "", TRUSTED_PROXIES: "", DATABASE_POOL_SIZE: "" });
    expect(env.SMTP_URL).toBeUndefined();
    expect(env.METRICS_TOKEN).toBeUndefined();
    expect(env.DATABASE_POOL_SIZE).toBe(10);
    expect(() => parseEnv({ ...valid, DATABASE_URL: "" })).toThrow(/DATABASE_URL/);
  });

  it("takes a database pool size within bounds", () => {
    expect(parseEnv({ ...valid, DATABASE_POOL_SIZE: "25" }).DATABASE_POOL_SIZE).toBe(25);
    for (const bad of ["1", "500", "ten", "2.5"]) {
      expect(() => parseEnv({ ...valid, DATABASE_POOL_SIZE: bad }), bad).toThrow(/DATABASE_POOL_SIZE/);
    }
  });

  it("names every malformed variable in one message", () => {
    expect(() =>
      parseEnv({
        ...valid,
        CREDENTIAL_ENCRYPTION_KEY: "too-short",
        AUTH_SECRET: "short",
        SMTP_URL: "http://mail.example",
        CREDENTIAL_PREVIOUS_KEYS: `${valid.CREDENTIAL_ENCRYPTION_KEY},nope`,
      }),
    ).toThrow(
      /Invalid configuration:[\s\S]*AUTH_SECRET[\s\S]*CREDENTIAL_ENCRYPTION_KEY: must be 32 bytes[\s\S]*CREDENTIAL_PREVIOUS_KEYS[\s\S]*SMTP_URL/,
    );
  });

  it("reads TRUSTED_PROXIES as none, a hop count or a CIDR list", () => {
    expect(parseEnv(valid).TRUSTED_PROXIES).toEqual({ kind: "none" });
    expect(parseEnv({ ...valid, TRUSTED_PROXIES: "2" }).TRUSTED_PROXIES).toEqual({ kind: "hops", hops: 2 });
    expect(parseEnv({ ...valid, TRUSTED_PROXIES: "10.0.0.0/8, ::1" }).TRUSTED_PROXIES.kind).toBe("addresses");
    expect(() => parseEnv({ ...valid, TRUSTED_PROXIES: "the load balancer" })).toThrow(/TRUSTED_PROXIES/);
  });

  it("checks the SIP registrar's address and ports", () => {
    expect(parseEnv(valid)).toMatchObject({ SIP_LISTEN: "127.0.0.1", SIP_PORT: 5060, SIP_RPC_PORT: 5071 });
    expect(parseEnv({ ...valid, SIP_LISTEN: "192.168.1.10", SIP_PORT: "5080" })).toMatchObject({
      SIP_LISTEN: "192.168.1.10",
      SIP_PORT: 5080,
    });
    expect(() => parseEnv({ ...valid, SIP_LISTEN: "pbx.example", SIP_PORT: "70000", SIP_RPC_PORT: "x" })).toThrow(
      /SIP_LISTEN: must be an IPv4 address[\s\S]*SIP_PORT[\s\S]*SIP_RPC_PORT/,
    );
  });

  it("requires the HTTP registrar's URL and secret together", () => {
    expect(() => parseEnv({ ...valid, REGISTRAR_HTTP_URL: "https://registrar.example/api" })).toThrow(
      /REGISTRAR_HTTP_SECRET/,
    );
  });
});
