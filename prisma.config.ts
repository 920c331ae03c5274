// Prisma CLI configuration. Prisma 6.19's CLI runs offline only with the JavaScript schema engine and a driver
// adapter; the three work-arounds below are CLI-only (see ../shared/STACK.md and prisma/orm#27403).
import { randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { defineConfig } from "prisma/config";

// 1. adapter-pg 6.x cannot decode `name` (OID 19) and `"char"` (OID 18), which the schema engine reads from
//    pg_catalog: present them as text before pg parses the rows.
const TEXT_OID = 25;
const resultPrototype = pg.Result.prototype as unknown as { addFields(fields: { dataTypeID: number }[]): void };
const addFields = resultPrototype.addFields;
resultPrototype.addFields = function (fields) {
  for (const field of fields) if (field.dataTypeID === 18 || field.dataTypeID === 19) field.dataTypeID = TEXT_OID;
  return addFields.call(this, fields);
};

// 2. Discrete connection fields: with a connectionString the shadow-database connection reaches the main database.
function connectionConfig(): pg.PoolConfig {
  const url = new URL(process.env.DATABASE_URL ?? "");
  return {
    host: decodeURIComponent(url.hostname),
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.slice(1)),
    ssl: url.searchParams.get("sslmode") === "require" ? { rejectUnauthorized: false } : undefined,
    // Named as lib/postgres-session.ts names the portal's sessions. Not imported from there: `npm ci` runs this
    // file (postinstall's generate) before lib/ exists in the Dockerfile's deps stage.
    application_name: url.searchParams.get("application_name") ?? undefined,
    fallback_application_name: "trunk-portal",
    // Let the CLI exit as soon as its work is done instead of waiting for idle connections to time out.
    allowExitOnIdle: true,
  };
}

// 3. The stock shadow database is dropped while its own pool still holds connections; drop it after closing.
class MigrationAdapterFactory extends PrismaPg {
  override async connectToShadowDb() {
    const config = connectionConfig();
    const name = `prisma_shadow_${randomUUID().replaceAll("-", "")}`;
    const admin = new pg.Client(config);
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const shadow = await new PrismaPg({ ...config, database: name }).connect();
    const dispose = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await dispose();
      const cleanup = new pg.Client(config);
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await cleanup.end();
    };
    return shadow;
  }
}

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  adapter: async () => new MigrationAdapterFactory(connectionConfig()),
});
