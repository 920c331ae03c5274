import { describe, expect, it } from "vitest";
import { digestAuthorization, parseDigestChallenge } from "./digest";

const responseOf = (authorization: string) => /response="([0-9a-f]+)"/.exec(authorization)?.[1];

describe("SIP digest", () => {
  it("matches RFC 7616's MD5 and SHA-256 examples (qop=auth)", () => {
    const base = {
      method: "GET",
      uri: "/dir/index.html",
      username: "Mufasa",
      password: "Circle of Life",
      cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
      nc: 1,
    };
    const header = (algorithm: string) =>
      `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`;
    const md5 = parseDigestChallenge(header("MD5"));
    const sha = parseDigestChallenge(header("SHA-256"));
    if (!md5 || !sha) throw new Error("challenge not parsed");
    expect(responseOf(digestAuthorization({ ...base, challenge: md5 }))).toBe("8ca523f5e9506fed4657c9700eebdbec");
    expect(responseOf(digestAuthorization({ ...base, challenge: sha }))).toBe(
      "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
    );
    expect(digestAuthorization({ ...base, challenge: md5 })).toContain(
      'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, nc=00000001',
    );
  });

  it("answers a challenge without qop like RFC 2069's example", () => {
    const challenge = parseDigestChallenge(
      'Digest realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    );
    if (!challenge) throw new Error("challenge not parsed");
    const authorization = digestAuthorization({
      challenge,
      method: "GET",
      uri: "/dir/index.html",
      username: "Mufasa",
      password: "CircleOfLife",
    });
    // RFC 2069 §2.4: H(H(A1):nonce:H(A2)).
    expect(responseOf(authorization)).toBe("1949323746fe6a43ef61f9606e7febea");
    expect(authorization).not.toContain("qop=");
  });

  it("reads stale=true and refuses what it cannot answer", () => {
    expect(parseDigestChallenge('Digest realm="r", nonce="n", stale=TRUE')?.stale).toBe(true);
    expect(parseDigestChallenge('Basic realm="r"')).toBeNull();
    expect(parseDigestChallenge('Digest realm="r"')).toBeNull();
    expect(parseDigestChallenge('Digest realm="r", nonce="n", algorithm=AKAv1-MD5')).toBeNull();
  });
});
