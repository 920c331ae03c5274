import { randomBytes } from "node:crypto";

// Secrets the app reads from the environment; each test run gets its own.
process.env.AUTH_SECRET ??= randomBytes(32).toString("base64");
process.env.CREDENTIAL_ENCRYPTION_KEY ??= randomBytes(32).toString("base64");
process.env.DATABASE_URL ??= "postgresql://unused:unused@127.0.0.1:1/unused";
