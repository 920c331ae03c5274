import { z } from "zod";
import {
  callerIdName,
  callerIdPolicy,
  callLimit,
  countryList,
  dialPermission,
  id,
  optionalPhoneNumber,
  phoneNumberList,
} from "../validation";

const serverIds = z
  .union([z.string(), z.array(z.string())], { error: "Choose at least one SIP server." })
  // A server named twice (an API client's list) is assigned once, not refused as "already in use".
  .transform((value) => [...new Set(Array.isArray(value) ? value : [value])])
  .pipe(z.array(id).min(1, "Choose at least one SIP server."));

/** A trunk's calling policy: limits, dial plan and caller ID. Converting a demo sets these on its trunks. */
const trunkPolicyFields = {
  callLimit,
  dialPermission,
  allowedCountries: countryList,
  callerIdPolicy,
  forcedCallerId: optionalPhoneNumber,
  forcedCallerIdName: callerIdName,
};

function requireCountries(value: { dialPermission: string; allowedCountries: string[] }, ctx: z.RefinementCtx) {
  if (value.dialPermission === "COUNTRIES" && value.allowedCountries.length === 0) {
    ctx.addIssue({ code: "custom", path: ["allowedCountries"], message: "List at least one country, e.g. US, GB." });
  }
}

export const trunkPolicy = z.object(trunkPolicyFields).superRefine(requireCountries);
export type TrunkPolicy = z.output<typeof trunkPolicy>;

/** The settings staff choose for a trunk, shared by the create and edit forms. */
export const trunkSettings = z
  .object({ serverIds, ...trunkPolicyFields, dids: phoneNumberList })
  .superRefine((value, ctx) => {
    requireCountries(value, ctx);
    if (value.callerIdPolicy === "OWN_DIDS" && value.dids.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["dids"],
        message: "Add at least one DID, or force the caller ID to the provider number.",
      });
    }
  });

export type TrunkSettings = z.output<typeof trunkSettings>;
