import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { digestHashes } from "./digest";

describe("digestHashes", () => {
  it("matches the RFC 2617 section 3.5 example HA1", () => {
    // RFC 2617: username "Mufasa", realm "testrealm@host.com", password "Circle Of Life".
    expect(digestHashes("Mufasa", "testrealm@host.com", "Circle Of Life").ha1).toBe("939e7578ed9e3c518a452acee763bce9");
  });

  it("computes ha1b over user@realm as Kamailio's auth_db expects", () => {
    const { ha1, ha1b } = digestHashes("exampleuser", "sip.example.net", "P4ssw0rd!");
    expect(ha1).toBe(createHash("md5").update("exampleuser:sip.example.net:P4ssw0rd!").digest("hex"));
    expect(ha1b).toBe(createHash("md5").update("exampleuser@sip.example.net:sip.example.net:P4ssw0rd!").digest("hex"));
    expect(ha1b).not.toBe(ha1);
  });

  it("depends on the exact realm spelling", () => {
    expect(digestHashes("u", "SIP.example.net", "p").ha1).not.toBe(digestHashes("u", "sip.example.net", "p").ha1);
  });
});
