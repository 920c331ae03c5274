/**
 * A realistic portal database of any size, seeded with set-based SQL (generate_series, INSERT … SELECT): customers
 * with company names, contacts and emails, one sign-in user each, several trunks per customer (and a few customers
 * with thousands), SIP usernames the way the portal makes them (company letters + 6 digits), one or more DIDs on most
 * trunks, and every trunk on one or two SIP servers with its digests.
 *
 * Every trunk's SIP password is real: derived from the trunk's username and a seed secret, so PostgreSQL computes the
 * same HA1/HA1b the portal would (md5) and Node seals it (AES-256-GCM with the credential key, as the portal does).
 * Reconciliation can therefore open every password and find nothing wrong until drift is planted.
 *
 * Ids encode the row number ("cus0000042", "trk0000042"), so a benchmark can name rows without asking.
 */
import { createHash } from "node:crypto";
import pg from "pg";
import { seal } from "../../lib/credentials/encryption";
import { credentialKeyring } from "../../lib/credentials/keyring";
import { log } from "./stats";

const FIRST = [
  "kilo",
  "acme",
  "blue",
  "north",
  "summit",
  "harbor",
  "pioneer",
  "granite",
  "cedar",
  "river",
  "metro",
  "atlas",
  "beacon",
  "crescent",
  "delta",
  "ember",
  "falcon",
  "golden",
  "horizon",
  "iron",
  "juniper",
  "keystone",
  "lakeside",
  "maple",
  "nova",
  "orchard",
  "prairie",
  "quantum",
  "redwood",
  "silver",
  "timber",
  "union",
  "valley",
  "willow",
  "apex",
  "bright",
  "coastal",
  "dynamic",
  "eagle",
  "frontier",
  "global",
  "heritage",
  "insight",
  "liberty",
  "magnolia",
  "national",
  "oak",
  "premier",
  "regal",
  "sterling",
];
const SECOND = [
  "tel",
  "voice",
  "networks",
  "communications",
  "systems",
  "solutions",
  "hosting",
  "dental",
  "logistics",
  "realty",
  "medical",
  "legal",
  "insurance",
  "motors",
  "foods",
  "labs",
  "consulting",
  "media",
  "financial",
  "builders",
];
const PLACES = [
  "Raleigh",
  "Durham",
  "Austin",
  "Denver",
  "Boston",
  "Portland",
  "Atlanta",
  "Chicago",
  "Phoenix",
  "Tampa",
  "Omaha",
  "Tulsa",
  "Reno",
  "Boise",
  "Fresno",
  "Mesa",
  "Miami",
  "Dallas",
  "Seattle",
  "Newark",
  "Madison",
  "Toledo",
  "Buffalo",
  "Orlando",
  "Memphis",
  "Louisville",
  "Richmond",
  "Spokane",
  "Tacoma",
  "Akron",
  "Dayton",
  "Salem",
  "Eugene",
  "Provo",
  "Ogden",
  "Macon",
  "Athens",
  "Augusta",
  "Savannah",
  "Charleston",
  "Columbia",
  "Greenville",
  "Knoxville",
  "Nashville",
  "Lexington",
  "Bangor",
  "Concord",
  "Dover",
  "Trenton",
  "Albany",
  "Syracuse",
  "Ithaca",
  "Erie",
  "Scranton",
  "Lancaster",
  "Reading",
  "Camden",
  "Hartford",
  "Stamford",
  "Waterbury",
  "Lowell",
  "Worcester",
  "Springfield",
  "Burlington",
  "Duluth",
  "Fargo",
  "Billings",
  "Casper",
  "Cheyenne",
  "Laramie",
  "Pueblo",
  "Topeka",
  "Wichita",
  "Lincoln",
  "Sioux Falls",
  "Rapid City",
  "Bismarck",
  "Helena",
  "Missoula",
  "Yakima",
  "Bend",
  "Medford",
  "Redding",
  "Chico",
  "Modesto",
  "Stockton",
  "Visalia",
  "Bakersfield",
  "Ventura",
  "Oxnard",
  "Irvine",
  "Anaheim",
  "Riverside",
  "Ontario",
  "Pomona",
  "Glendale",
  "Pasadena",
  "Burbank",
  "Torrance",
  "Carson",
];
const FIRST_NAMES = [
  "James",
  "Mary",
  "Robert",
  "Patricia",
  "John",
  "Jennifer",
  "Michael",
  "Linda",
  "David",
  "Elizabeth",
  "William",
  "Barbara",
  "Richard",
  "Susan",
  "Joseph",
  "Jessica",
  "Thomas",
  "Sarah",
  "Charles",
  "Karen",
  "Maria",
  "Daniel",
  "Nancy",
  "Matthew",
  "Lisa",
  "Anthony",
  "Betty",
  "Mark",
  "Sandra",
  "Priya",
];
const LAST_NAMES = [
  "Smith",
  "Johnson",
  "Williams",
  "Brown",
  "Jones",
  "Garcia",
  "Miller",
  "Davis",
  "Rodriguez",
  "Martinez",
  "Hernandez",
  "Lopez",
  "Gonzalez",
  "Wilson",
  "Anderson",
  "Thomas",
  "Taylor",
  "Moore",
  "Jackson",
  "Martin",
  "Lee",
  "Perez",
  "Thompson",
  "White",
  "Harris",
  "Sanchez",
  "Clark",
  "Ramirez",
  "Lewis",
  "Nguyen",
];

const sqlArray = (values: string[]) => `ARRAY[${values.map((value) => `'${value}'`).join(",")}]`;

/** The seed secret the trunks' passwords derive from (not a credential of anything real). */
const PASSWORD_SEED = "bench-password-seed";
export const benchPassword = (username: string) =>
  `Bx${createHash("md5").update(`${PASSWORD_SEED}${username}`).digest("hex").slice(0, 22)}`;
const passwordSql = (username: string) => `'Bx' || left(md5('${PASSWORD_SEED}' || ${username}), 22)`;

export const SERVERS = [
  { id: "benchserver1", hostname: "Sip1.Bench.test", realm: "sip1.bench.test" },
  { id: "benchserver2", hostname: "Sip2.Bench.test", realm: "sip2.bench.test" },
];

export type SeedShape = {
  customers: number;
  trunks: number;
  /** Customers 0..bigCustomers-1 share this many trunks between them (thousands each at 1M). */
  bigCustomers: number;
  bigCustomerTrunks: number;
};

export const customerId = (n: number) => `cus${String(n).padStart(7, "0")}`;
export const trunkId = (n: number) => `trk${String(n).padStart(7, "0")}`;

/**
 * Seeds an empty, migrated portal database. Returns the admin user's id. Trunk i belongs to customer i % bigCustomers
 * while i < bigCustomerTrunks, then to a pseudo-random one of the others (about 8 each at 1M / 100k, 1 to 20).
 */
export async function seedPortal(url: string, shape: SeedShape): Promise<{ adminId: string }> {
  const client = new pg.Client(url);
  await client.connect();
  const started = Date.now();
  try {
    const { customers, trunks, bigCustomers, bigCustomerTrunks } = shape;
    await client.query(`
      INSERT INTO "ProviderSettings" (id, "providerName", "supportEmail", "supportPhone", "forcedCallerId", "updatedAt")
      VALUES (1, 'Bench Voice', 'support@bench.test', '+19195550100', '+19195550100', now()) ON CONFLICT DO NOTHING;
      INSERT INTO "SipServer" (id, hostname, realm, label, "credentialCheck", "updatedAt") VALUES
        ('${SERVERS[0]?.id}', '${SERVERS[0]?.hostname}', '${SERVERS[0]?.realm}', 'bench 1', false, now()),
        ('${SERVERS[1]?.id}', '${SERVERS[1]?.hostname}', '${SERVERS[1]?.realm}', 'bench 2', false, now());
      INSERT INTO "User" (id, email, name, role, "passwordHash", "updatedAt")
      VALUES ('benchadmin', 'admin@bench.test', 'Bench Admin', 'ADMIN', 'not-used-by-the-benchmark', now());`);
    // Customer n: FIRST[n % 50] SECOND[(n / 50) % 20] of PLACES[(n / 1000) % 100]; unique up to 100,000.
    await client.query(
      `
      WITH named AS (
        SELECT n,
               (${sqlArray(FIRST)})[1 + n % 50] AS w1,
               (${sqlArray(SECOND)})[1 + (n / 50) % 20] AS w2,
               (${sqlArray(PLACES)})[1 + (n / 1000) % 100] AS place,
               (${sqlArray(FIRST_NAMES)})[1 + (n * 7) % 30] AS first,
               (${sqlArray(LAST_NAMES)})[1 + (n * 13) % 30] AS last
        FROM generate_series(0, $1::int - 1) AS n)
      INSERT INTO "Customer" (id, company, "contactName", "contactEmail", "isDemo", "demoExpiresAt", "createdAt",
                              "updatedAt")
      SELECT 'cus' || lpad(n::text, 7, '0'),
             initcap(w1) || ' ' || initcap(w2) || ' of ' || place || CASE WHEN n >= 100000 THEN ' ' || n ELSE '' END,
             first || ' ' || last,
             lower(first || '.' || last) || '@' || w1 || w2 || '-' || lower(replace(place, ' ', ''))
               || CASE WHEN n >= 100000 THEN n::text ELSE '' END || '.example',
             n % 20 = 0,
             CASE WHEN n % 20 = 0 THEN now() + (1 + n % 30) * interval '1 day' END,
             now() - ($1::int - n) * interval '1 minute',
             now()
      FROM named`,
      [customers],
    );
    await client.query(`
      INSERT INTO "User" (id, email, name, role, "customerId", "updatedAt")
      SELECT 'usr' || substr(id, 4), "contactEmail", "contactName", 'CUSTOMER', id, now() FROM "Customer"`);
    log(`seed: ${customers} customers and their users (${((Date.now() - started) / 1000).toFixed(1)} s)`);

    // Trunks in batches: SQL computes the rows, Node seals each password (AES-256-GCM, bound to the username).
    const keyring = credentialKeyring();
    const BATCH = 50_000;
    const others = customers - bigCustomers;
    for (let from = 0; from < trunks; from += BATCH) {
      const to = Math.min(trunks, from + BATCH);
      const { rows } = await client.query<{ n: number; username: string }>(
        `
        SELECT n, left(regexp_replace(lower(c.company), '[^a-z]', '', 'g'), 8)
                  || lpad(((n::bigint * 7919) % 1000000)::text, 6, '0') AS username
        FROM generate_series($1::int, $2::int - 1) AS n
        JOIN "Customer" c ON c.id = 'cus' || lpad((CASE WHEN n < $3 THEN n % $4
                                   ELSE $4 + (abs(hashint4(n)) % $5) END)::text, 7, '0')
        ORDER BY n`,
        [from, to, bigCustomerTrunks, bigCustomers, others],
      );
      const sealed = rows.map((row) => seal(keyring, benchPassword(row.username), row.username));
      await client.query(
        `
        INSERT INTO "Trunk" (id, "customerId", username, "passwordCiphertext", "passwordKeyId", "callLimit",
                             "dialPermission", "allowedCountries", "callerIdPolicy", "forcedCallerId", status,
                             "syncState", "syncedAt", "createdAt", "updatedAt")
        SELECT 'trk' || lpad(n::text, 7, '0'),
               'cus' || lpad((CASE WHEN n < $4 THEN n % $5 ELSE $5 + (abs(hashint4(n)) % $6) END)::text, 7, '0'),
               u.username, u.ciphertext, $3, 2 + n % 20,
               (CASE WHEN n % 10 = 0 THEN 'INTERNATIONAL' ELSE 'US_ONLY' END)::"DialPermission", '{}',
               (CASE WHEN n % 4 = 0 THEN 'FORCED' ELSE 'OWN_DIDS' END)::"CallerIdPolicy",
               CASE WHEN n % 4 = 0 THEN '+19195550100' END,
               (CASE WHEN n % 50 = 0 THEN 'DISABLED' ELSE 'ACTIVE' END)::"TrunkStatus",
               'SYNCED', now(), now() - ($7::int - n) * interval '1 second', now()
        FROM unnest($1::int[], $2::text[], $8::text[]) AS u(n, ciphertext, username)`,
        [
          rows.map((row) => row.n),
          sealed.map((secret) => secret.ciphertext),
          sealed[0]?.keyId,
          bigCustomerTrunks,
          bigCustomers,
          others,
          trunks,
          rows.map((row) => row.username),
        ],
      );
      log(`seed: ${to} trunks (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
    // Every trunk on server 1, every fifth on server 2 too; digests of its real password.
    for (const [index, server] of SERVERS.entries()) {
      await client.query(
        `
        INSERT INTO "TrunkServer" ("trunkId", "serverId", ha1, ha1b)
        SELECT id, $1, md5(username || ':' || $2 || ':' || ${passwordSql("username")}),
               md5(username || '@' || $2 || ':' || $2 || ':' || ${passwordSql("username")})
        FROM "Trunk" WHERE $3 OR substr(id, 4)::int % 5 = 0`,
        [server.id, server.realm, index === 0],
      );
    }
    log(`seed: trunk servers (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    // DIDs: 7 in 10 trunks have one, 1 in 10 three, the rest none; numbers unique (a bijection of the DID's number).
    await client.query(`
      INSERT INTO "Did" (id, number, "trunkId")
      SELECT 'did' || lpad(k::text, 8, '0'),
             '+1' || (201 + (k * 37) % 700)::text || lpad(((k::bigint * 7919) % 10000000)::text, 7, '0'),
             id
      FROM (SELECT id, row_number() OVER (ORDER BY id) AS k FROM (
              SELECT t.id FROM "Trunk" t CROSS JOIN generate_series(1, 3) AS copy
              WHERE (substr(t.id, 4)::int % 10 < 7 AND copy = 1) OR substr(t.id, 4)::int % 10 = 7) AS wanted) AS numbered`);
    log(`seed: DIDs (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    await client.query("VACUUM ANALYZE");
    log(`seed: done, analyzed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return { adminId: "benchadmin" };
  } finally {
    await client.end();
  }
}
