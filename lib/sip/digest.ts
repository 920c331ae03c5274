import { createHash, randomBytes } from "node:crypto";
import { splitHeaderValues } from "./message";

/**
 * HTTP Digest for SIP (RFC 3261 §22, RFC 2617, RFC 7616): reads a WWW-Authenticate / Proxy-Authenticate challenge
 * and builds the matching Authorization / Proxy-Authorization value. MD5 and SHA-256 (and their -sess variants),
 * with or without qop=auth.
 */

export type DigestChallenge = {
  realm: string;
  nonce: string;
  opaque: string | null;
  algorithm: "MD5" | "MD5-sess" | "SHA-256" | "SHA-256-sess";
  /** The qop values offered (auth, auth-int), empty for an RFC 2069 challenge. */
  qop: string[];
  stale: boolean;
};

const ALGORITHMS = ["MD5", "MD5-sess", "SHA-256", "SHA-256-sess"] as const;

/** The parameters of a `Digest …` challenge or credentials value (names lower-cased, values unquoted). */
export function digestParams(value: string | undefined): Record<string, string> {
  const match = value ? /^\s*Digest\s+(.*)$/is.exec(value) : null;
  const params: Record<string, string> = {};
  if (!match) return params;
  for (const part of splitHeaderValues(match[1] as string)) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    let raw = part.slice(eq + 1).trim();
    if (raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2) raw = raw.slice(1, -1).replace(/\\(.)/g, "$1");
    params[name] = raw;
  }
  return params;
}

/** Parses `Digest realm="…", nonce="…", …`; null when it is not a Digest challenge this client can answer. */
export function parseDigestChallenge(value: string | undefined): DigestChallenge | null {
  const params = digestParams(value);
  if (params.realm === undefined || !params.nonce) return null;
  const algorithm = ALGORITHMS.find((name) => name.toLowerCase() === (params.algorithm ?? "MD5").toLowerCase());
  if (!algorithm) return null;
  return {
    realm: params.realm,
    nonce: params.nonce,
    opaque: params.opaque ?? null,
    algorithm,
    qop: (params.qop ?? "")
      .split(",")
      .map((q) => q.trim().toLowerCase())
      .filter(Boolean),
    stale: (params.stale ?? "").toLowerCase() === "true",
  };
}

const hash = (algorithm: DigestChallenge["algorithm"], text: string) =>
  createHash(algorithm.startsWith("SHA-256") ? "sha256" : "md5")
    .update(text)
    .digest("hex");

const quote = (value: string) => `"${value.replace(/(["\\])/g, "\\$1")}"`;

/**
 * The Authorization header value answering `challenge` for `method uri`. `nc` counts the requests made with this
 * nonce (1 for the first). Only qop=auth is used (auth-int would need the body hash; SIP registrars offer auth).
 */
export function digestAuthorization(options: {
  challenge: DigestChallenge;
  method: string;
  uri: string;
  username: string;
  password: string;
  nc?: number;
  cnonce?: string;
}): string {
  const { challenge, method, uri, username, password } = options;
  const useQop = challenge.qop.includes("auth");
  if (!useQop && challenge.qop.length > 0) throw new Error(`unsupported qop ${challenge.qop.join(",")}`);
  const cnonce = options.cnonce ?? randomBytes(12).toString("hex");
  const nc = (options.nc ?? 1).toString(16).padStart(8, "0");
  let ha1 = hash(challenge.algorithm, `${username}:${challenge.realm}:${password}`);
  if (challenge.algorithm.endsWith("-sess")) ha1 = hash(challenge.algorithm, `${ha1}:${challenge.nonce}:${cnonce}`);
  const ha2 = hash(challenge.algorithm, `${method}:${uri}`);
  const response = useQop
    ? hash(challenge.algorithm, `${ha1}:${challenge.nonce}:${nc}:${cnonce}:auth:${ha2}`)
    : hash(challenge.algorithm, `${ha1}:${challenge.nonce}:${ha2}`);
  const parts = [
    `username=${quote(username)}`,
    `realm=${quote(challenge.realm)}`,
    `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(uri)}`,
    `response=${quote(response)}`,
    `algorithm=${challenge.algorithm}`,
  ];
  if (challenge.opaque !== null) parts.push(`opaque=${quote(challenge.opaque)}`);
  if (useQop || challenge.algorithm.endsWith("-sess")) parts.push(`cnonce=${quote(cnonce)}`);
  if (useQop) parts.push("qop=auth", `nc=${nc}`);
  return `Digest ${parts.join(", ")}`;
}
