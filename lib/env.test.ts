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
