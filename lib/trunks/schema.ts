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
  .transform((value) => (Array.isArray(value) ? value : [value]))
  .pipe(z.array(id).min(1, "Choose at least one SIP server."));

/** The settings staff choose for a trunk, shared by the create and edit forms. */
export const trunkSettings = z
  .object({
    serverIds,
    callLimit,
    dialPermission,
    allowedCountries: countryList,
    callerIdPolicy,
    forcedCallerId: optionalPhoneNumber,
    forcedCallerIdName: callerIdName,
    dids: phoneNumberList,
  })
  .superRefine((value, ctx) => {
    if (value.dialPermission === "COUNTRIES" && value.allowedCountries.length === 0) {
      ctx.addIssue({ code: "custom", path: ["allowedCountries"], message: "List at least one country, e.g. US, GB." });
    }
    if (value.callerIdPolicy === "OWN_DIDS" && value.dids.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["dids"],
        message: "Add at least one DID, or force the caller ID to the provider number.",
      });
    }
  });

export type TrunkSettings = z.output<typeof trunkSettings>;
