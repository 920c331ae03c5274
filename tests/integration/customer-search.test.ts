/**
 * The staff customers list's search box and its pages, on real PostgreSQL: a query means what it looks like (digits
 * are a phone number, letters then digits a SIP username), exact matches come first, digits inside a username never
 * match DIDs, and a page link keeps its place while customers are added.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listCustomers } from "../../lib/customers";
import type { Db } from "../../lib/db";
import { createPortalDatabase } from "../support/portal";

let db: Db;
let serial = 0;

beforeAll(async () => {
  ({ db } = await createPortalDatabase("search"));
});
afterAll(() => db?.$disconnect());

/** A customer created `minutesAgo` minutes ago with trunks (username → DIDs); the list shows the newest first. */
async function customer(company: string, minutesAgo: number, trunks: Record<string, string[]> = {}) {
  serial += 1;
  const created = await db.customer.create({
    data: {
      company,
      contactName: `Contact ${serial}`,
      contactEmail: `contact${serial}@${company.toLowerCase().replace(/\W/g, "")}.example`,
      createdAt: new Date(Date.now() - minutesAgo * 60_000),
    },
  });
  for (const [username, dids] of Object.entries(trunks)) {
    await db.trunk.create({
      data: {
        customerId: created.id,
        username,
        passwordCiphertext: "not.read.here",
        passwordKeyId: "none",
        callLimit: 5,
        dialPermission: "US_ONLY",
        allowedCountries: [],
        callerIdPolicy: "OWN_DIDS",
        dids: { create: dids.map((number) => ({ number })) },
      },
    });
  }
  return created;
}

const companies = async (q: string) => (await listCustomers(db, { q })).customers.map((row) => row.company);

describe("the customers search", () => {
  it("treats letters then digits as a username: digits in it never match DIDs", async () => {
    await customer("Kilotel Searching", 30, { kilotel000123: ["+19195550123"] });
    // DIDs full of the same digits, on other customers.
    await customer("Zeroes One", 20, { zeroesa111111: ["+12120000001", "+12125550000"] });
    await customer("Zeroes Two", 10, { zeroesb222222: ["+13130001000"] });

    expect(await companies("kilotel000")).toEqual(["Kilotel Searching"]);
    expect(await companies("KILOTEL000123")).toEqual(["Kilotel Searching"]);
    expect((await listCustomers(db, { q: "kilotel000" })).count).toEqual({ value: 1, precision: "exact" });
  });

  it("treats a phone number as DIDs, however it is typed, the exact number first", async () => {
    // The exact number's customer is the oldest: without "exact first" it would come last.
    await customer("Exact Number Inc", 300, { exactnum100001: ["+14155550199"] });
    await customer("Contains Digits A", 200, { containsa00001: ["+444155550199"] });
    await customer("Ends Alike B", 100, { endsalikeb0001: ["+16505550199"] });

    for (const typed of ["(415) 555-0199", "415-555-0199", "4155550199"]) {
      const found = await companies(typed);
      expect(found[0], typed).toBe("Exact Number Inc");
      expect(found, typed).toContain("Contains Digits A");
      expect(found, typed).not.toContain("Ends Alike B");
    }
    // With its country code it is that one number.
    expect(await companies("+1 415 555 0199")).toEqual(["Exact Number Inc"]);
    // Part of a number finds the numbers containing it; a number nobody has finds nobody.
    expect((await companies("555-0199")).sort()).toEqual(["Contains Digits A", "Ends Alike B", "Exact Number Inc"]);
    expect(await companies("(999) 000-1111")).toEqual([]);
  });

  it("lists the exact username first, then the usernames it begins", async () => {
    await customer("Prefix Older Exact", 500, { acmevoip123456: [] });
    await customer("Prefix Newer Longer", 5, { acmevoip1234567: [] });
    await customer("Prefix Unrelated", 1, { bravovoip123456: [] });

    expect(await companies("acmevoip123456")).toEqual(["Prefix Older Exact", "Prefix Newer Longer"]);
    expect(await companies("acmevoip12")).toEqual(["Prefix Newer Longer", "Prefix Older Exact"]);
  });

  it("finds a company or contact email by any part, the exact one first", async () => {
    const exact = await customer("Harbor Dental", 900);
    await customer("Harbor Dental of Austin", 2);
    const found = await companies("harbor dental");
    expect(found.slice(0, 2)).toEqual(["Harbor Dental", "Harbor Dental of Austin"]);
    expect(await companies(exact.contactEmail.toUpperCase())).toEqual(["Harbor Dental"]);
    expect(await companies(exact.contactEmail.split("@")[1] ?? "")).toEqual(["Harbor Dental"]);
  });
});

describe("the count of a search's matches", () => {
  it("is the same whether the first page reads every tier or an exact tier fills it", async () => {
    // Three customers named exactly "Quokka Freight", two more whose names contain it, one that only looks alike.
    for (const [company, minutesAgo] of [
      ["Quokka Freight", 50],
      ["quokka freight", 49],
      ["QUOKKA FREIGHT", 48],
      ["Quokka Freight West", 47],
      ["East Quokka Freight", 46],
      ["Quokka Freighters", 45],
      ["Quokka Fright", 44],
    ] as const) {
      await customer(company, minutesAgo);
    }
    const exactly = (value: number) => ({ value, precision: "exact" });
    // Both tiers read on the first page (exact, then containing): counted as they are found.
    const whole = await listCustomers(db, { q: "Quokka Freight" });
    expect(
      whole.customers
        .map((row) => row.company)
        .slice(0, 3)
        .sort(),
    ).toEqual(["QUOKKA FREIGHT", "Quokka Freight", "quokka freight"]);
    expect(whole.count).toEqual(exactly(6));
    // The exact tier alone fills a page of two: the other tier is counted apart, and so is every later page.
    const first = await listCustomers(db, { q: "Quokka Freight", perPage: 2 });
    expect(first.count).toEqual(exactly(6));
    const second = await listCustomers(db, { q: "Quokka Freight", perPage: 2, after: first.next });
    expect(second.count).toEqual(exactly(6));
    // A demo filter narrows the count like the list.
    expect((await listCustomers(db, { q: "Quokka Freight", demo: "ended" })).count).toEqual(exactly(0));
  });
});

describe("the customers list's pages", () => {
  it("keep their place while customers are added: no customer is repeated or skipped", async () => {
    // 45 more customers, some created in the same millisecond (ties are broken by id).
    const at = Date.now() - 3_600_000;
    await db.customer.createMany({
      data: Array.from({ length: 45 }, (_, i) => ({
        company: `Paged ${String(i).padStart(2, "0")}`,
        contactName: "P",
        contactEmail: `paged${i}@paged.example`,
        createdAt: new Date(at + Math.floor(i / 3) * 1000),
      })),
    });
    const everyone = await db.customer.count();
    const names = (page: Awaited<ReturnType<typeof listCustomers>>) => page.customers.map((row) => row.company);
    const first = await listCustomers(db, {});
    expect(first.customers).toHaveLength(20);
    expect(first.previous).toBeNull();

    // New customers arrive at the top of the list while someone reads it, page after page.
    const seen = names(first);
    const pages = [first];
    for (let page = first; page.next; ) {
      await db.customer.create({
        data: { company: `Newcomer ${pages.length}`, contactName: "N", contactEmail: `new${pages.length}@x.example` },
      });
      page = await listCustomers(db, { after: page.next });
      pages.push(page);
      seen.push(...names(page));
    }
    expect(seen).toHaveLength(everyone);
    expect(new Set(seen).size).toBe(everyone);
    expect(seen.filter((name) => name.startsWith("Newcomer"))).toEqual([]);

    // Back from the second page: the first page as it was read; the newcomers are on a page above it.
    const back = await listCustomers(db, { before: pages[1]?.previous });
    expect(names(back)).toEqual(names(first));
    const top = await listCustomers(db, { before: back.previous });
    expect(names(top)).toEqual(expect.arrayContaining(["Newcomer 1", `Newcomer ${pages.length - 1}`]));
    expect(top.customers.every((row) => row.company.startsWith("Newcomer"))).toBe(true);
  });
});
