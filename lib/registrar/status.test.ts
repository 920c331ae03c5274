import { describe, expect, it } from "vitest";
import { registrationStatus, registrationStatuses } from "./status";
import type { Registrar, Registration } from "./types";

const registration = (requestedHost: string | null): Registration & { requestedHost: string | null } => ({
  username: "acme123456",
  realm: "sip1.celitovoice.example",
  contact: "sip:acme123456@203.0.113.5:5060",
  received: null,
  source: "203.0.113.5:5060",
  userAgent: "Asterisk PBX 20",
  expiresAt: new Date("2026-11-26T18:00:00Z"),
  requestedHost,
});

/** A registrar that answers registrations() with fixed rows; this test is about the case comparison only. */
const registrarWith = (rows: Registration[] | Error): Registrar => ({
  put: async () => {},
  remove: async () => {},
  apply: async () => [],
  snapshots: async () => [],
  usernames: async () => [],
  registrations: async (usernames) => {
    if (rows instanceof Error) throw rows;
    return new Map(usernames.map((username) => [username, rows]));
  },
  putProviderPolicy: async () => {},
  callRecords: async () => [],
  refusals: async () => [],
  authFailures: async () => [],
  purgeRecords: async () => 0,
  registeredUsernames: async () => null,
  status: async () => ({ liveRegistrations: null }),
  close: async () => {},
});

describe("registrationStatus", () => {
  const hostnames = ["Sip1.CelitoVoice.example"];

  it("flags a registration that used another casing of the server name, with the exact fix", async () => {
    const status = await registrationStatus(
      registrarWith([registration("sip1.celitovoice.example")]),
      "acme123456",
      hostnames,
    );
    expect(status).toMatchObject({
      state: "ok",
      registrations: [{ caseMismatch: { used: "sip1.celitovoice.example", expected: "Sip1.CelitoVoice.example" } }],
    });
  });

  it("does not flag the exact name, an IP address, or an unknown host", async () => {
    const status = await registrationStatus(
      registrarWith([registration("Sip1.CelitoVoice.example"), registration("192.0.2.10"), registration(null)]),
      "acme123456",
      hostnames,
    );
    expect(status.state === "ok" && status.registrations.map((r) => r.caseMismatch)).toEqual([null, null, null]);
  });

  it("does not show the portal's own credential check as a registration", async () => {
    const check = { ...registration(null), contact: "sip:tp-check-0123456789abcdef@198.51.100.7:40000" };
    const status = await registrationStatus(registrarWith([check, registration(null)]), "acme123456", hostnames);
    expect(status.state === "ok" && status.registrations.map((r) => r.contact)).toEqual([
      "sip:acme123456@203.0.113.5:5060",
    ]);
  });

  it("reports an unreachable registrar instead of failing the page", async () => {
    expect(await registrationStatus(registrarWith(new Error("connect ECONNREFUSED")), "u", hostnames)).toEqual({
      state: "unavailable",
      error: "connect ECONNREFUSED",
    });
  });

  it("looks up a page of trunks at once and checks each against its own servers", async () => {
    let lookups = 0;
    const registrar = registrarWith([registration("sip1.celitovoice.example")]);
    const counting: Registrar = {
      ...registrar,
      registrations: (usernames) => {
        lookups++;
        return registrar.registrations(usernames);
      },
    };
    const statuses = await registrationStatuses(counting, [
      { username: "a1", hostnames },
      { username: "b2", hostnames: ["sip1.celitovoice.example"] },
    ]);
    expect(lookups).toBe(1);
    expect(statuses.get("a1")).toMatchObject({
      state: "ok",
      registrations: [{ caseMismatch: { used: "sip1.celitovoice.example" } }],
    });
    expect(statuses.get("b2")).toMatchObject({ state: "ok", registrations: [{ caseMismatch: null }] });
  });
});
