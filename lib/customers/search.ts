import type { Db } from "../db";
import { Prisma } from "../generated/prisma/client";
import { type Cursor, finishPage, keysetSql, type PageDirection, type PageRequest, readPage } from "../keyset";
import { searchText } from "../validation";

/**
 * The staff customers list and its search box, built for a million trunks: every query walks an index (keyset
 * pagination on (createdAt, id), pg_trgm for substrings, a pattern index for username prefixes), counts are capped or
 * estimated, and each row shows at most a few trunks with "and N more".
 *
 * What a query means depends on what it looks like, as a person would expect:
 * - a phone number ("+1 919-555-0100", "5550100"): DIDs, the exact number first, then numbers containing the digits;
 * - a SIP username ("acme123456", "kilotel000"): usernames, the exact one first, then those it begins;
 * - an email address (anything with @): contact and sign-in emails, exact first, then containing it;
 * - anything else: company, contact name and emails (exact first, then containing it), and usernames it begins.
 * Digits inside a username-looking query never match DIDs.
 */

export const CUSTOMERS_PER_PAGE = 20;
export const TRUNKS_SHOWN_PER_CUSTOMER = 3;
export const DIDS_SHOWN_PER_TRUNK = 3;
/** A search counts its matches up to this many ("more than 1,000"). */
export const SEARCH_COUNT_CAP = 1_000;
/** The whole list is counted exactly up to this many customers, and estimated from PostgreSQL's statistics above. */
const EXACT_LIST_COUNT_CAP = 10_000;
/** An estimate this far above the cap is shown as is: statistics would have to be off by half for a walk to differ. */
const ESTIMATE_TRUSTED_ABOVE = 2 * EXACT_LIST_COUNT_CAP;

/** The staff customers list's "ending soon" filter looks this far ahead. */
export const DEMO_ENDING_SOON_DAYS = 7;
/** Demos ending within DEMO_ENDING_SOON_DAYS ("ending"), or past their end and not converted ("ended"). */
export const DEMO_FILTERS = ["ending", "ended"] as const;
export type DemoFilter = (typeof DEMO_FILTERS)[number];

export type SearchQuery =
  | { kind: "all" }
  | { kind: "phone"; digits: string; e164: string | null }
  | { kind: "username"; username: string }
  | { kind: "email"; email: string }
  | { kind: "text"; text: string };

const PHONE = /^\+?[\d\s().\-/]+$/;
const USERNAME = /^[a-z]+\d+$/i;

/** The number a person most likely means, in E.164: as typed with "+", or a 10-digit NANP number. */
function e164Of(query: string, digits: string): string | null {
  if (query.startsWith("+")) return `+${digits}`;
  if (digits.length === 10) return `+1${digits}`;
  if (digits.length === 11 && digits.startsWith("1")) return `+${digits}`;
  return null;
}

/** What the text in the search box asks for; null for text that cannot be stored (it matches nothing). */
export function interpretQuery(raw: string | undefined): SearchQuery | null {
  const query = searchText(raw);
  if (query === null) return null;
  if (query === "") return { kind: "all" };
  const digits = query.replace(/\D/g, "");
  if (PHONE.test(query) && digits.length >= 3) return { kind: "phone", digits, e164: e164Of(query, digits) };
  if (USERNAME.test(query)) return { kind: "username", username: query.toLowerCase() };
  if (query.includes("@") && !/\s/.test(query)) return { kind: "email", email: query.toLowerCase() };
  return { kind: "text", text: query };
}

/** A LIKE pattern that matches `text` literally. */
const literal = (text: string) => text.replace(/[\\%_]/g, (character) => `\\${character}`);
/** Containing the text; under three characters pg_trgm cannot help with that, so it means "a word begins with". */
const containing = (text: string) => (text.length >= 3 ? `%${literal(text)}%` : `${literal(text)}%`);

const customersOfTrunks = (where: Prisma.Sql) => Prisma.sql`SELECT t."customerId" FROM "Trunk" t WHERE ${where}`;
const customersOfDids = (where: Prisma.Sql) =>
  Prisma.sql`SELECT t."customerId" FROM "Did" d JOIN "Trunk" t ON t.id = d."trunkId" WHERE ${where}`;
const customersOfUsers = (where: Prisma.Sql) =>
  Prisma.sql`SELECT u."customerId" FROM "User" u WHERE u."customerId" IS NOT NULL AND ${where}`;
const customersWhere = (where: Prisma.Sql) => Prisma.sql`SELECT c.id FROM "Customer" c WHERE ${where}`;
const union = (parts: Prisma.Sql[]) => Prisma.join(parts, " UNION ");

/**
 * The query's tiers, best matches first: each is a set of customer ids (a subquery). A customer is listed in the first
 * tier it belongs to; within a tier, the list's own order applies.
 */
function tiersOf(query: SearchQuery): Prisma.Sql[] {
  switch (query.kind) {
    case "all":
      return [];
    case "phone":
      return [
        ...(query.e164 ? [customersOfDids(Prisma.sql`d.number = ${query.e164}`)] : []),
        customersOfDids(Prisma.sql`d.number LIKE ${`%${query.digits}%`}`),
      ];
    case "username":
      return [
        customersOfTrunks(Prisma.sql`t.username = ${query.username}`),
        customersOfTrunks(Prisma.sql`t.username LIKE ${`${literal(query.username)}%`}`),
      ];
    case "email":
      return [
        union([
          // An expression index answers this at once; a trigram index would match every "…@….example" first.
          customersWhere(Prisma.sql`lower(c."contactEmail") = ${query.email}`),
          customersOfUsers(Prisma.sql`u.email = ${query.email}`),
        ]),
        union([
          customersWhere(Prisma.sql`c."contactEmail" ILIKE ${containing(query.email)}`),
          customersOfUsers(Prisma.sql`u.email ILIKE ${containing(query.email)}`),
        ]),
      ];
    case "text": {
      const exact = query.text.toLowerCase();
      const part = containing(query.text);
      const maybeUsername = /^[a-z]{3,}$/i.test(query.text);
      return [
        customersWhere(Prisma.sql`lower(c.company) = ${exact} OR lower(c."contactName") = ${exact}`),
        union([
          customersWhere(
            Prisma.sql`c.company ILIKE ${part} OR c."contactName" ILIKE ${part} OR c."contactEmail" ILIKE ${part}`,
          ),
          customersOfUsers(Prisma.sql`u.email ILIKE ${part}`),
          ...(maybeUsername
            ? [customersOfTrunks(Prisma.sql`t.username LIKE ${`${literal(query.text.toLowerCase())}%`}`)]
            : []),
        ]),
      ];
    }
  }
}

/** Trunks (alias t) the query found come first in a row, before the customer's other trunks. */
function trunksFoundFirst(query: SearchQuery): Prisma.Sql {
  if (query.kind === "username") return Prisma.sql`(t.username LIKE ${`${literal(query.username)}%`}) DESC,`;
  if (query.kind === "phone") {
    return Prisma.sql`EXISTS (SELECT 1 FROM "Did" m WHERE m."trunkId" = t.id AND m.number LIKE ${`%${query.digits}%`}) DESC,`;
  }
  return Prisma.empty;
}

/** DIDs (alias d) the query found come first in a trunk's list. */
function didsFoundFirst(query: SearchQuery): Prisma.Sql {
  return query.kind === "phone" ? Prisma.sql`(d.number LIKE ${`%${query.digits}%`}) DESC,` : Prisma.empty;
}

/** Customers of demos ending within DEMO_ENDING_SOON_DAYS ("ending"), or past their end ("ended"), as a Prisma filter. */
export function demoWhere(filter: DemoFilter | null, now: Date): Prisma.CustomerWhereInput | null {
  if (filter === "ending") {
    const soon = new Date(now.getTime() + DEMO_ENDING_SOON_DAYS * 24 * 60 * 60 * 1000);
    return { isDemo: true, demoExpiresAt: { gt: now, lte: soon } };
  }
  if (filter === "ended") return { isDemo: true, demoExpiresAt: { lte: now } };
  return null;
}

/**
 * `containing` as a Prisma filter: the text anywhere, or at the start when under three characters. Prisma puts the
 * text into a LIKE pattern as is, so % and _ are escaped to mean themselves, as in the staff list's SQL.
 */
const insensitive = (text: string) =>
  text.length >= 3
    ? { contains: literal(text), mode: "insensitive" as const }
    : { startsWith: literal(text), mode: "insensitive" as const };

/** Every customer a query finds (the union of its tiers), as a Prisma filter. */
function matching(query: SearchQuery): Prisma.CustomerWhereInput {
  switch (query.kind) {
    case "all":
      return {};
    case "phone":
      return { trunks: { some: { dids: { some: { number: { contains: query.digits } } } } } };
    case "username":
      return { trunks: { some: { username: { startsWith: query.username } } } };
    case "email":
      return {
        OR: [{ contactEmail: insensitive(query.email) }, { users: { some: { email: insensitive(query.email) } } }],
      };
    case "text":
      return {
        OR: [
          { company: insensitive(query.text) },
          { contactName: insensitive(query.text) },
          { contactEmail: insensitive(query.text) },
          { users: { some: { email: insensitive(query.text) } } },
          ...(/^[a-z]{3,}$/i.test(query.text)
            ? [{ trunks: { some: { username: { startsWith: query.text.toLowerCase() } } } }]
            : []),
        ],
      };
  }
}

/**
 * The search box and demo filter as a Prisma filter: the same customers the staff list finds (without its
 * best-first tiers), for the API's customers list and the CSV export. Null when the text cannot match anything.
 */
export function customerSearchWhere(raw: string, demo: DemoFilter | null): Prisma.CustomerWhereInput | null {
  const query = interpretQuery(raw);
  if (query === null) return null;
  const demoFilter = demoWhere(demo, new Date());
  return demoFilter ? { AND: [matching(query), demoFilter] } : matching(query);
}

/** The list's order: newest first, or with a demo filter the soonest end first. */
type Order = { column: Prisma.Sql; descending: boolean };

function demoCondition(filter: DemoFilter | null, now: Date): Prisma.Sql {
  if (filter === "ending") {
    const soon = new Date(now.getTime() + DEMO_ENDING_SOON_DAYS * 24 * 60 * 60 * 1000);
    return Prisma.sql`c."isDemo" AND c."demoExpiresAt" > ${now} AND c."demoExpiresAt" <= ${soon}`;
  }
  if (filter === "ended") return Prisma.sql`c."isDemo" AND c."demoExpiresAt" <= ${now}`;
  return Prisma.sql`true`;
}

const customerColumns = Prisma.sql`c.id, c.company, c."contactName", c."contactEmail", c.status, c."isDemo",
  c."demoExpiresAt", c."createdAt"`;

type CustomerRow = {
  id: string;
  company: string;
  contactName: string;
  contactEmail: string;
  status: "ACTIVE" | "SUSPENDED" | "CLOSED";
  isDemo: boolean;
  demoExpiresAt: Date | null;
  createdAt: Date;
};

export type TrunkPreview = { id: string; username: string; dids: string[]; moreDids: number };
type TrunkPreviewRow = { id: string; username: string; dids: string[]; didCount: number };
export type CustomerListItem = CustomerRow & { trunks: TrunkPreview[]; moreTrunks: number };
/** How many customers match: exact, at least (a capped count), or about (PostgreSQL's estimate). */
export type MatchCount = { value: number; precision: "exact" | "at-least" | "about" };

export type CustomerListPage = {
  customers: CustomerListItem[];
  count: MatchCount;
  /** Cursors of the next and previous pages, null at either end. */
  next: string | null;
  previous: string | null;
};

/** A page link's after/before cursor (anything malformed means the first page), with the search and filter. */
export type CustomerListRequest = PageRequest & { q?: string; demo?: DemoFilter | null; perPage?: number };

const sortValue = (row: CustomerRow, demo: DemoFilter | null) =>
  (demo ? row.demoExpiresAt : row.createdAt)?.toISOString() ?? "";

/**
 * Customers of one tier on one side of the cursor, in list order seen from the direction of travel, and how many of
 * the tier lie that way (up to SEARCH_COUNT_CAP + 1). Finding the page's rows already finds the tier's matches (a
 * trigram index scan, say, finds them all at once), so counting them here spares a second scan for the count.
 */
async function tierRows(
  db: Db,
  args: {
    tier: Prisma.Sql | null;
    earlier: Prisma.Sql[];
    demo: Prisma.Sql;
    order: Order;
    from: Cursor | null;
    direction: PageDirection;
    limit: number;
    counting: boolean;
  },
): Promise<{ rows: CustomerRow[]; count: number }> {
  const { order, from, direction } = args;
  // Walking backwards flips the order: fetch the rows just before the cursor, nearest first.
  const keyset = keysetSql(order.column, Prisma.sql`c.id`, from, order.descending !== (direction === "previous"));
  const inTier = args.tier ? Prisma.sql`c.id IN (${args.tier})` : Prisma.sql`true`;
  const notEarlier = args.earlier.length ? Prisma.sql`c.id NOT IN (${union(args.earlier)})` : Prisma.sql`true`;
  const inOrder = Prisma.sql`
    SELECT ${customerColumns} FROM "Customer" c
    WHERE ${inTier} AND ${notEarlier} AND ${args.demo} AND ${keyset.where}
    ORDER BY ${order.column} ${keyset.order}, c.id ${keyset.order}`;
  if (!args.counting) return { rows: await db.$queryRaw<CustomerRow[]>`${inOrder} LIMIT ${args.limit}`, count: 0 };
  const rows = await db.$queryRaw<(CustomerRow & { tierCount: number })[]>`
    SELECT *, count(*) OVER ()::int AS "tierCount" FROM (${inOrder} LIMIT ${SEARCH_COUNT_CAP + 1}) c
    ORDER BY ${order.column} ${keyset.order}, c.id ${keyset.order}
    LIMIT ${args.limit}`;
  return { rows: rows.map(({ tierCount: _count, ...row }) => row), count: rows[0]?.tierCount ?? 0 };
}

/**
 * Up to `perPage` + 1 customers from the cursor on in the direction of travel, crossing from one tier into the next.
 * A cursor names its tier, so the pages of a search run through the exact matches, then the rest. `count` is how many
 * customers match in all when the walk began at the first page and read every tier (each tier's count, capped), and
 * null otherwise.
 */
async function customersFrom(
  db: Db,
  tiers: Prisma.Sql[],
  demo: Prisma.Sql,
  order: Order,
  { from: start, direction }: { from: Cursor | null; direction: PageDirection },
  perPage: number,
): Promise<{ found: (CustomerRow & { tier: number })[]; count: number | null }> {
  const tierCount = Math.max(1, tiers.length);
  const step = direction === "next" ? 1 : -1;
  let tier = start ? Math.min(Math.max(start.tier, 0), tierCount - 1) : direction === "next" ? 0 : tierCount - 1;
  let from = start;
  const found: (CustomerRow & { tier: number })[] = [];
  // Only a search's first page can count every match on the way (a page further on starts mid-tier).
  const counting = tiers.length > 0 && start === null && direction === "next";
  let counted = 0;
  let tiersRead = 0;
  while (tier >= 0 && tier < tierCount && found.length <= perPage) {
    const { rows, count } = await tierRows(db, {
      tier: tiers[tier] ?? null,
      earlier: tiers.slice(0, tier),
      demo,
      order,
      from,
      direction,
      limit: perPage + 1 - found.length,
      counting,
    });
    found.push(...rows.map((row) => ({ ...row, tier })));
    counted += count;
    tiersRead += 1;
    tier += step;
    from = null;
  }
  return { found, count: counting && tiersRead === tierCount ? counted : null };
}

const capped = (value: number, cap: number): MatchCount =>
  value > cap ? { value: cap, precision: "at-least" } : { value, precision: "exact" };

async function countMatches(db: Db, tiers: Prisma.Sql[], demo: Prisma.Sql, filtered: boolean): Promise<MatchCount> {
  if (tiers.length === 0 && !filtered) {
    // PostgreSQL's estimate first: far above the cap, counting the first rows exactly (a walk of the table's first
    // EXACT_LIST_COUNT_CAP rows, 8 ms of CPU at 100,000 customers) would only confirm what it says.
    const [estimate] = await db.$queryRaw<{ n: number }[]>`
      SELECT reltuples::bigint::int AS n FROM pg_class WHERE oid = '"Customer"'::regclass`;
    const value = estimate?.n ?? -1;
    if (value > ESTIMATE_TRUSTED_ABOVE) return { value, precision: "about" };
    const [row] = await db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM (SELECT 1 FROM "Customer" LIMIT ${EXACT_LIST_COUNT_CAP + 1}) s`;
    const exact = row?.n ?? 0;
    if (exact <= EXACT_LIST_COUNT_CAP) return { value: exact, precision: "exact" };
    return value > EXACT_LIST_COUNT_CAP
      ? { value, precision: "about" }
      : { value: EXACT_LIST_COUNT_CAP, precision: "at-least" };
  }
  const cap = tiers.length ? SEARCH_COUNT_CAP : EXACT_LIST_COUNT_CAP;
  const inTiers = tiers.length ? Prisma.sql`c.id IN (${union(tiers)})` : Prisma.sql`true`;
  const [row] = await db.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM (SELECT 1 FROM "Customer" c WHERE ${inTiers} AND ${demo} LIMIT ${cap + 1}) s`;
  return capped(row?.n ?? 0, cap);
}

/** The first few live trunks of each customer (those the search found first), their first DIDs, and how many more. */
async function trunkPreviews(db: Db, customerIds: string[], query: SearchQuery) {
  if (customerIds.length === 0) return new Map<string, { trunks: TrunkPreview[]; moreTrunks: number }>();
  const rows = await db.$queryRaw<{ customerId: string; trunkCount: number; trunks: TrunkPreviewRow[] }[]>`
    SELECT cid AS "customerId",
           (SELECT count(*)::int FROM "Trunk" x WHERE x."customerId" = cid AND x.status <> 'DELETED') AS "trunkCount",
           COALESCE((
             SELECT json_agg(shown) FROM (
               SELECT t.id, t.username,
                      ARRAY(SELECT d.number FROM "Did" d WHERE d."trunkId" = t.id
                            ORDER BY ${didsFoundFirst(query)} d.number LIMIT ${DIDS_SHOWN_PER_TRUNK}) AS dids,
                      (SELECT count(*)::int FROM "Did" d WHERE d."trunkId" = t.id) AS "didCount"
               FROM "Trunk" t
               WHERE t."customerId" = cid AND t.status <> 'DELETED'
               ORDER BY ${trunksFoundFirst(query)} t."createdAt", t.id
               LIMIT ${TRUNKS_SHOWN_PER_CUSTOMER}) shown), '[]'::json) AS trunks
    FROM unnest(${customerIds}::text[]) AS cid`;
  const previews = new Map<string, { trunks: TrunkPreview[]; moreTrunks: number }>();
  for (const row of rows) {
    previews.set(row.customerId, {
      trunks: row.trunks.map((trunk) => ({
        id: trunk.id,
        username: trunk.username,
        dids: trunk.dids,
        moreDids: trunk.didCount - trunk.dids.length,
      })),
      moreTrunks: row.trunkCount - row.trunks.length,
    });
  }
  return previews;
}

/** One page of the staff customers list or of a search. */
export async function listCustomers(db: Db, request: CustomerListRequest): Promise<CustomerListPage> {
  const query = interpretQuery(request.q);
  const empty: CustomerListPage = {
    customers: [],
    count: { value: 0, precision: "exact" },
    next: null,
    previous: null,
  };
  // Text that cannot be stored (a NUL, say) matches nothing; it must not reach PostgreSQL, which refuses it.
  if (query === null) return empty;
  const demoFilter = request.demo ?? null;
  const perPage = request.perPage ?? CUSTOMERS_PER_PAGE;
  const tiers = tiersOf(query);
  const demo = demoCondition(demoFilter, new Date());
  const order: Order = demoFilter
    ? { column: Prisma.sql`c."demoExpiresAt"`, descending: false }
    : { column: Prisma.sql`c."createdAt"`, descending: true };
  const page = readPage(request);
  // A search's first page counts its matches as it finds them (when it reads every tier); others count them apart.
  const countedApart = tiers.length === 0 || page.from !== null || page.direction !== "next";
  const [{ found: fetched, count: countedOnPage }, countApart] = await Promise.all([
    customersFrom(db, tiers, demo, order, page, perPage),
    countedApart ? countMatches(db, tiers, demo, demoFilter !== null) : null,
  ]);
  const count =
    countApart ??
    (countedOnPage === null
      ? await countMatches(db, tiers, demo, demoFilter !== null)
      : capped(countedOnPage, SEARCH_COUNT_CAP));
  const { rows, next, previous } = finishPage(fetched, perPage, page, (row) => ({
    tier: row.tier,
    key: sortValue(row, demoFilter),
    id: row.id,
  }));
  const previews = await trunkPreviews(
    db,
    rows.map((row) => row.id),
    query,
  );
  return {
    customers: rows.map(({ tier: _tier, ...row }) => ({
      ...row,
      ...(previews.get(row.id) ?? { trunks: [], moreTrunks: 0 }),
    })),
    count,
    next,
    previous,
  };
}
