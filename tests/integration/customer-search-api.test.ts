/**
 * The API's customers list (`GET /api/v1/customers?q=`, filtered by lib/customers/search.ts's customerSearchWhere)
 * finds exactly the customers the staff list's search box finds (listCustomers), on a real PostgreSQL: a phone number
 * searches DIDs, a username-looking query searches usernames (its digits never match DIDs), an email searches contact
 * and sign-in emails, other text searches names and emails and usernames it begins.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiHandler } from "../../lib/api/handler";
import { listCustomers } from "../../lib/customers/search";
import type { Db } from "../../lib/db";
import { apiClient, apiKeyFor } from "../support/api";
import { createActor, createPortalDatabase } from "../support/portal";

let db: Db;
let call: ReturnType<typeof apiClient>;
let key: string;
const ids: Record<string, string> = {};

async function customer(
  name: string,
  data: { company: string; contactEmail: string; usernames: string[]; dids: string[]; userEmails?: string[] },
) {
  const created = await db.customer.create({
    data: {
      company: data.company,
      contactName: "Pat Doe",
      contactEmail: data.contactEmail,
      users: { create: (data.userEmails ?? []).map((email) => ({ email, name: "Colleague", role: "CUSTOMER" })) },
    },
  });
  for (const [index, username] of data.usernames.entries()) {
    await db.trunk.create({
      data: {
        customerId: created.id,
        username,
        passwordCiphertext: "set-up only",
        passwordKeyId: "set-up only",
        callLimit: 5,
        dialPermission: "US_ONLY",
        callerIdPolicy: "FORCED",
        forcedCallerId: "+12025550100",
        dids: { create: index === 0 ? data.dids.map((number) => ({ number })) : [] },
      },
    });
  }
  ids[name] = created.id;
}

beforeAll(async () => {
  ({ db } = await createPortalDatabase("search_api"));
  key = (await apiKeyFor(db, await createActor(db, "SUPPORT"))).secret;
  call = apiClient(createApiHandler({ db, registrar: () => ({}) as never, rateLimit: 100_000 }));
  await customer("kilotel", {
    company: "Kilotel Networks",
    contactEmail: "noc@kilotel.example",
    usernames: ["kilotel000123"],
    dids: ["+19195550100"],
  });
  await customer("acme", {
    company: "Acme Voice",
    contactEmail: "pat@acme.example",
    usernames: ["acme000777", "acme000778"],
    dids: ["+12125550000"],
    userEmails: ["ops@acme-colleague.example"],
  });
  await customer("reseller", {
    company: "Telco Kilotel Resale",
    contactEmail: "sales@reseller.example",
    usernames: ["bravo555001"],
    dids: ["+13125550100"],
  });
  await customer("lookalike", {
    company: "Delta 100%_ Telecom",
    contactEmail: "pat@acme.example.org",
    usernames: ["delta100200"],
    dids: [],
  });
});
afterAll(async () => {
  await db?.$disconnect();
});

/** What each search finds, by the names above. */
const EXPECTED: [query: string, names: string[]][] = [
  ["+1 919-555-0100", ["kilotel"]],
  ["(919) 555-0100", ["kilotel"]],
  ["5550100", ["kilotel", "reseller"]],
  ["000", ["acme"]],
  ["kilotel000", ["kilotel"]],
  ["KILOTEL000123", ["kilotel"]],
  ["acme000", ["acme"]],
  ["pat@acme.example", ["acme", "lookalike"]],
  ["OPS@acme-colleague.example", ["acme"]],
  ["kilotel", ["kilotel", "reseller"]],
  ["acme", ["acme", "lookalike"]],
  ["delta", ["lookalike"]],
  ["100%_", ["lookalike"]],
  ["ac", ["acme"]],
  ["%", []],
  ["_", []],
  ["nobody-at-all", []],
  ["", ["kilotel", "acme", "reseller", "lookalike"]],
  ["kilo\u0000tel", []],
];

const names = (found: string[]) =>
  found.map((id) => Object.keys(ids).find((name) => ids[name] === id) ?? `unknown ${id}`).sort();

describe("the API's customer search", () => {
  for (const [query, expected] of EXPECTED) {
    it(`finds what the staff list finds for ${JSON.stringify(query)}`, async () => {
      const staff = await listCustomers(db, { q: query, perPage: 100 });
      const response = await call("GET", `/customers?limit=200&q=${encodeURIComponent(query)}`, { key });
      expect(response.status, response.text).toBe(200);
      const api = (response.json.data as { id: string }[]).map((row) => row.id);
      expect(names(api)).toEqual([...expected].sort());
      expect(names(staff.customers.map((row) => row.id))).toEqual(names(api));
    });
  }
});
