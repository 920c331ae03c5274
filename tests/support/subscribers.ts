import { createHash } from "node:crypto";
import type { Subscriber, SubscriberAttributes } from "../../lib/registrar/types";

const md5 = (s: string) => createHash("md5").update(s).digest("hex");

/** HA1 = md5(username:realm:password), ha1b = md5(username@realm:realm:password). */
export function credential(username: string, password: string, realm: string) {
  return {
    realm,
    ha1: md5(`${username}:${realm}:${password}`),
    ha1b: md5(`${username}@${realm}:${realm}:${password}`),
  };
}

/** The demo account's settings (seed: 5 calls, US only, caller ID forced to a provider number). */
export const demoAttributes: SubscriberAttributes = {
  callLimit: 5,
  dialPermission: "US_ONLY",
  allowedCountries: [],
  callerIdPolicy: "FORCED",
  forcedCallerId: "+19195550100",
  forcedCallerIdName: "Celito Demo",
  dids: [],
};

/** An enabled subscriber in one realm with the demo settings, changed by `attributes`. */
export function subscriber(
  username: string,
  password: string,
  realm: string,
  attributes: Partial<SubscriberAttributes> = {},
): Subscriber {
  return {
    username,
    enabled: true,
    credentials: [credential(username, password, realm)],
    attributes: { ...demoAttributes, ...attributes },
  };
}
