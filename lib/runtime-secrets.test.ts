import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadOrCreateDatabaseSecrets, loadOrCreateSecrets } from "./runtime-secrets";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const secretsFile = () => path.join(dir, "secrets.json");
const stored = () => JSON.parse(readFileSync(secretsFile(), "utf8")) as Record<string, string>;

describe("generated secrets in DATA_DIR", () => {
  it("generates the database passwords once, URL-safe, in the same mode-600 file", () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "secrets-test-"));
    const first = loadOrCreateDatabaseSecrets(dir);
    expect(first.EMBEDDED_POSTGRES_PASSWORD).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(first.KAMAILIO_DB_PASSWORD).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(first.KAMAILIO_DB_PASSWORD).not.toBe(first.EMBEDDED_POSTGRES_PASSWORD);
    expect(loadOrCreateDatabaseSecrets(dir)).toEqual(first);
    expect(statSync(secretsFile()).mode & 0o777).toBe(0o600);
  });

  it("adds them to a folder from an earlier version without losing its secrets", () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "secrets-test-"));
    const earlier = { AUTH_SECRET: "a".repeat(44), CREDENTIAL_ENCRYPTION_KEY: "b".repeat(44) };
    writeFileSync(secretsFile(), JSON.stringify(earlier), { mode: 0o600 });
    const passwords = loadOrCreateDatabaseSecrets(dir);
    expect(stored()).toEqual({ ...earlier, ...passwords });
    expect(loadOrCreateSecrets(dir, { NODE_ENV: "test" })).toEqual(earlier);
    expect(stored()).toEqual({ ...earlier, ...passwords });
  });

  it("keeps the database passwords when another secret is generated later", () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "secrets-test-"));
    const passwords = loadOrCreateDatabaseSecrets(dir);
    const secrets = loadOrCreateSecrets(dir, { NODE_ENV: "test" });
    expect(stored()).toEqual({ ...passwords, ...secrets });
    expect(loadOrCreateDatabaseSecrets(dir)).toEqual(passwords);
  });
});
