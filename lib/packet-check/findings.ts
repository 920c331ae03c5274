import type { CallerIdPolicy } from "../generated/prisma/enums";
import { EMERGENCY_NUMBERS, mayCall, toRegistrarE164 } from "../registrar/dial-plan";
import { explainResponse, type TrunkForExplanations } from "../registrar/refusals";
import { digestParams } from "../sip/digest";
import {
  headerValue,
  headerValues,
  parseCSeq,
  parseNameAddr,
  parseUri,
  parseVia,
  type SipMessage,
  type SipRequest,
} from "../sip/message";

/**
 * Compares each message of a trace with what this trunk's PBX should send and what our server answers (the seed's
 * "Expected SIP packets"), and says what every difference means and which troubleshooting topic fixes it.
 */

export type TrunkExpectations = TrunkForExplanations & {
  username: string;
  hostnames: string[];
  realms: string[];
  dids: string[];
  callerIdPolicy: CallerIdPolicy;
  forcedCallerId: string | null;
};

export type Severity = "error" | "warning" | "info";
export type Finding = { severity: Severity; topic: string | null; text: string };

export type TraceMessage = {
  message: SipMessage;
  source: string | null;
  destination: string | null;
  transport: string | null;
};

export const SIP_PORT = 5060;

/** Private, shared (CGNAT) and link-local addresses: not reachable from our servers. */
export function isPrivateAddress(host: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 10 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254)
    );
  }
  const v6 = host.replace(/^\[|\]$/g, "").toLowerCase();
  return /^f[cd][0-9a-f]{0,2}:/.test(v6) || /^fe[89ab][0-9a-f]?:/.test(v6);
}

function caseMismatch(host: string | undefined, hostnames: string[]): string | null {
  if (!host) return null;
  const exact = hostnames.find((name) => name.toLowerCase() === host.toLowerCase());
  return exact && exact !== host ? exact : null;
}

const isProviderHost = (host: string | undefined, t: TrunkExpectations) =>
  !!host && [...t.hostnames, ...t.realms].some((name) => name.toLowerCase() === host.toLowerCase());

/** A request our server receives from the trunk's PBX (not one it sends to the PBX). */
export function isFromPbx(message: SipMessage, t: TrunkExpectations): message is SipRequest {
  if (message.kind !== "request") return false;
  if (message.method === "REGISTER") return true;
  const uri = parseUri(message.requestUri);
  // Our server sends inbound calls to the DID in E.164, at the PBX's registered address.
  if (message.method === "INVITE" && uri?.user && t.dids.includes(uri.user) && !isProviderHost(uri.host, t))
    return false;
  return true;
}

function hostFindings(request: SipRequest, t: TrunkExpectations): Finding[] {
  const findings: Finding[] = [];
  const uri = parseUri(request.requestUri);
  const to = parseNameAddr(headerValue(request, "to"));
  const from = parseNameAddr(headerValue(request, "from"));
  const calls = request.method === "INVITE";
  const consequence = calls ? "this call is refused (404)" : "it may register, but every call will be refused (404)";
  for (const [where, host, severity] of [
    ["Request-URI", uri?.host, "error"],
    ["To header", to?.uri?.host, "error"],
    ["From header", from?.uri?.host, "warning"],
  ] as const) {
    const exact = caseMismatch(host, t.hostnames);
    if (exact) {
      findings.push({
        severity: where === "From header" ? "warning" : severity,
        topic: "server-name",
        text:
          where === "From header"
            ? `The From domain ${host} differs from ${exact} only in case; use the exact name everywhere.`
            : `The ${where} uses ${host}, but the server name is ${exact} (case-sensitive): ${consequence}.`,
      });
    }
  }
  if (uri && uri.scheme !== "sip") {
    findings.push({
      severity: "error",
      topic: "transport",
      text: `${uri.scheme}: URIs are not supported here: use sip: over UDP or TCP on port ${SIP_PORT}.`,
    });
  }
  if (uri?.port && uri.port !== SIP_PORT) {
    findings.push({
      severity: "error",
      topic: "transport",
      text: `The Request-URI names port ${uri.port}; our servers listen on ${SIP_PORT}.`,
    });
  }
  const transportParam = uri?.params.transport?.toUpperCase();
  if (transportParam && !["UDP", "TCP"].includes(transportParam)) {
    findings.push({
      severity: "error",
      topic: "transport",
      text: `transport=${transportParam} is not offered: use UDP or TCP.`,
    });
  }
  return findings;
}

function authFindings(request: SipRequest, t: TrunkExpectations): Finding[] {
  const findings: Finding[] = [];
  const authorization = headerValue(request, "authorization") ?? headerValue(request, "proxy-authorization");
  if (authorization) {
    const params = digestParams(authorization);
    if (params.username !== undefined && params.username !== t.username) {
      findings.push({
        severity: "error",
        topic: "credentials",
        text: `The PBX authenticates as "${params.username}"; the username is ${t.username}.`,
      });
    }
    if (params.realm !== undefined && !t.realms.includes(params.realm)) {
      findings.push({
        severity: "error",
        topic: "credentials",
        text: `The PBX answers for realm "${params.realm}"; ours is ${t.realms.join(" or ")}. Let the PBX take the realm from our challenge.`,
      });
    }
  }
  if (request.method === "REGISTER") {
    const toUser = parseNameAddr(headerValue(request, "to"))?.uri?.user;
    if (toUser && toUser !== t.username) {
      findings.push({
        severity: "error",
        topic: "credentials",
        text: `The REGISTER is for "${toUser}"; a trunk may only register its own username, ${t.username} (403).`,
      });
    }
  }
  return findings;
}

function inviteFindings(request: SipRequest, t: TrunkExpectations): Finding[] {
  const findings: Finding[] = [];
  const dialled = parseUri(request.requestUri)?.user ?? "";
  if (EMERGENCY_NUMBERS.includes(dialled)) {
    findings.push({
      severity: "info",
      topic: null,
      text: `Emergency call to ${dialled}: always allowed, with the trunk's caller ID.`,
    });
    return findings;
  }
  const e164 = toRegistrarE164(dialled);
  if (!e164) {
    const hint = /^9\d{10,11}$/.test(dialled)
      ? " It looks like an outside-line 9 was left in: strip it before sending."
      : "";
    findings.push({
      severity: "error",
      topic: "number-format",
      text: `"${dialled}" is not a number our server accepts (403 Invalid Destination): send +CC…, 1 + 10 digits, 10 digits or 011….${hint}`,
    });
  } else {
    if (e164 !== dialled)
      findings.push({ severity: "info", topic: "number-format", text: `${dialled} is read as ${e164}.` });
    if (!mayCall(e164, t.dialPermission, t.allowedCountries)) {
      findings.push({
        severity: "error",
        topic: "dial-permission",
        text: `${e164}: ${explainResponse(403, "Forbidden (Destination Not Permitted)", t).text} (403).`,
      });
    }
  }
  const fromUser = parseNameAddr(headerValue(request, "from"))?.uri?.user ?? "";
  if (t.callerIdPolicy === "FORCED") {
    const fromE164 = toRegistrarE164(fromUser);
    if (t.forcedCallerId && fromE164 !== t.forcedCallerId) {
      findings.push({
        severity: "info",
        topic: "caller-id",
        text: `Caller ID ${fromUser || "(none)"} will be replaced by ${t.forcedCallerId}: this trunk's caller ID is fixed.`,
      });
    }
  } else if (!t.dids.includes(toRegistrarE164(fromUser) ?? "")) {
    findings.push({
      severity: "error",
      topic: "caller-id",
      text: `Caller ID ${fromUser || "(none)"} is not one of this trunk's numbers (${t.dids.join(", ") || "none"}): the call is refused (403).`,
    });
  }
  const media = /^c=IN IP[46] (\S+)/m.exec(request.body)?.[1];
  if (media && isPrivateAddress(media)) {
    findings.push({
      severity: "warning",
      topic: "nat",
      text: `The audio address ${media} is private: our servers do not relay audio, so the far end cannot send sound to it (one-way or no audio). Set your PBX's external media address.`,
    });
  }
  return findings;
}

function natFindings(request: SipRequest): Finding[] {
  const findings: Finding[] = [];
  const via = parseVia(headerValue(request, "via"));
  const contact = parseNameAddr(headerValues(request, "contact")[0])?.uri;
  if (via && !["UDP", "TCP"].includes(via.transport)) {
    findings.push({
      severity: "error",
      topic: "transport",
      text: `The PBX sends over ${via.transport}; our servers take UDP and TCP on port ${SIP_PORT}.`,
    });
  }
  const privateHosts = [via?.host, contact?.host].filter((host): host is string => !!host && isPrivateAddress(host));
  if (privateHosts.length > 0) {
    const rport = via?.params.rport !== undefined;
    findings.push({
      severity: rport ? "info" : "warning",
      topic: "nat",
      text: rport
        ? `Private address ${privateHosts[0]} in Via/Contact; the PBX asks for rport, and our server answers where the packet came from.`
        : `Private address ${privateHosts[0]} in Via/Contact without rport: enable the PBX's NAT settings (external address, rport) so replies and calls find it.`,
    });
  }
  return findings;
}

/** Findings for every message, in order, plus the ones about the trace as a whole. */
export function checkMessages(
  messages: TraceMessage[],
  t: TrunkExpectations,
): { perMessage: Finding[][]; overall: Finding[] } {
  const perMessage = messages.map(() => [] as Finding[]);
  const challenged = new Map<string, number>();
  messages.forEach(({ message, destination }, index) => {
    const findings = perMessage[index] as Finding[];
    const callId = headerValue(message, "call-id") ?? "";
    const cseq = parseCSeq(headerValue(message, "cseq"));
    if (message.kind === "response") {
      if (!cseq || !["INVITE", "REGISTER"].includes(cseq.method) || message.status < 300) return;
      if (message.status === 401 || message.status === 407) challenged.set(`${callId} ${cseq.method}`, index);
      const meaning = explainResponse(message.status, message.reason, t);
      findings.push({
        severity: message.status === 401 || message.status === 407 ? "info" : "error",
        topic: meaning.topic,
        text: `${message.status} ${message.reason}: ${meaning.text}.`,
      });
      return;
    }
    if (!isFromPbx(message, t)) return;
    const key = `${callId} ${message.method}`;
    if (challenged.has(key) && (headerValue(message, "authorization") ?? headerValue(message, "proxy-authorization")))
      challenged.delete(key);
    findings.push(...hostFindings(message, t), ...authFindings(message, t), ...natFindings(message));
    if (message.method === "INVITE") findings.push(...inviteFindings(message, t));
    const port = destination ? Number(/:(\d+)$/.exec(destination)?.[1]) : null;
    if (port && port !== SIP_PORT && isProviderHost(parseUri(message.requestUri)?.host, t)) {
      findings.push({
        severity: "error",
        topic: "transport",
        text: `Sent to port ${port}; our servers listen on ${SIP_PORT}.`,
      });
    }
  });
  for (const index of challenged.values()) {
    (perMessage[index] as Finding[]).push({
      severity: "error",
      topic: "credentials",
      text: "The PBX never answered this challenge with an Authorization header: it has no password for this trunk, or authenticates in one direction only.",
    });
  }
  const overall: Finding[] = [];
  if (messages.length === 0) overall.push({ severity: "warning", topic: null, text: "No SIP messages were found." });
  return { perMessage, overall };
}
