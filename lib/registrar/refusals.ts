import { DIAL_PERMISSION_LABELS } from "../trunks/describe";
import type { DialPermission } from "./types";

/**
 * What a SIP response from the provider means for a trunk, in plain words, and which troubleshooting topic fixes it
 * (lib/trunks/setup-guides.ts troubleshooting ids). The reason phrases are kamailio.cfg's: they tell its refusals
 * apart from the carrier's answers with the same code.
 */

export type TrunkForExplanations = {
  isDemo: boolean;
  dialPermission: DialPermission;
  allowedCountries: readonly string[];
  callLimit: number;
};

export type Explanation = { text: string; topic: string | null };

const wrongCasing = /^Wrong server name casing, use (\S+)$/;

function permissionText(trunk: TrunkForExplanations): string {
  const who = trunk.isDemo ? "this demo trunk" : "this trunk";
  switch (trunk.dialPermission) {
    case "US_ONLY":
      return `${who} may call US numbers only`;
    case "US_CANADA":
      return `${who} may call US and Canadian numbers only`;
    case "COUNTRIES":
      return `${who} may call ${trunk.allowedCountries.join(", ") || "no"} numbers only`;
    default:
      return `${who} may not call this destination (${DIAL_PERMISSION_LABELS[trunk.dialPermission]})`;
  }
}

/** The meaning of a final response to a call (or REGISTER) from this trunk. */
export function explainResponse(code: number, reason: string, trunk: TrunkForExplanations): Explanation {
  const casing = wrongCasing.exec(reason);
  if (code === 404 && casing) return { text: `wrong server name casing: use ${casing[1]}`, topic: "server-name" };
  if (code === 403) {
    if (/Destination Not Permitted/i.test(reason)) return { text: permissionText(trunk), topic: "dial-permission" };
    if (/Invalid Destination/i.test(reason)) {
      return {
        text: "the dialled number is not a valid number: dial +CC…, 1 + 10 digits, 10 digits or 011…",
        topic: "number-format",
      };
    }
    if (/Caller ID not provisioned/i.test(reason))
      return { text: "no caller ID is set up for this trunk: contact support", topic: "caller-id" };
    if (/Caller ID/i.test(reason))
      return { text: "the caller ID is not one of this trunk's numbers", topic: "caller-id" };
    if (/Daily Call Limit|Daily Minutes Limit|Outbound Calling Suspended|Destination Blocked/i.test(reason)) {
      const what = /Daily Call Limit/i.test(reason)
        ? "the trunk's daily call limit is reached"
        : /Daily Minutes Limit/i.test(reason)
          ? "the trunk's daily minutes limit is reached"
          : /Suspended/i.test(reason)
            ? "outbound calls are suspended on this trunk (fraud protection)"
            : "this destination is blocked for all trunks (fraud protection)";
      return { text: what, topic: "fraud-guard" };
    }
    if (/To user/i.test(reason))
      return { text: "the PBX registered another username than its own", topic: "credentials" };
    if (/Unknown Dialog/i.test(reason)) return { text: "a request for a call our server does not know", topic: null };
    return { text: "wrong username or password (authentication failed)", topic: "credentials" };
  }
  if (code === 486 && /call limit/i.test(reason)) {
    return { text: `${trunk.callLimit} of ${trunk.callLimit} concurrent calls in use`, topic: "call-limit" };
  }
  switch (code) {
    case 200:
      return { text: "answered", topic: null };
    case 401:
    case 407:
      return {
        text: "our server asks for the password (normal: the PBX must send it again with credentials)",
        topic: "credentials",
      };
    case 404:
      return { text: "the number or server name is not known here", topic: "number-format" };
    case 408:
      return { text: "no answer in time (the called side or the carrier did not respond)", topic: null };
    case 480:
      return { text: "your PBX was not registered, so the call could not reach it", topic: "credentials" };
    case 486:
    case 600:
      return { text: "the called number is busy", topic: null };
    case 487:
      return { text: "cancelled by the caller before it was answered", topic: null };
    case 488:
    case 606:
      return { text: "no common audio codec: offer G.711 (PCMU/PCMA)", topic: "codecs" };
    case 503:
      if (/Calls Per Second Limit/i.test(reason))
        return { text: "too many new calls in one second", topic: "fraud-guard" };
      return { text: "the service or the carrier is temporarily unavailable", topic: "service" };
    default:
      if (code >= 500) return { text: `the network could not complete the call (${code} ${reason})`, topic: "service" };
      return { text: `the far end refused the call (${code} ${reason})`, topic: null };
  }
}
