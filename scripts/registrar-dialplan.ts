/**
 * `npm run registrar:dialplan`: regenerates registrar/kamailio/dialplan.cfg (which country owns a dialled number)
 * and the same plan as data for the portal (lib/phone/numbering-plan.generated.json) from the installed
 * libphonenumber-js. Run it after upgrading the library; lib/registrar/dialplan.test.ts fails until the committed
 * files match.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { numberingPlan } from "../lib/phone/numbering-plan";
import {
  DIALPLAN_CFG,
  generateDialPlanCfg,
  libphonenumberVersion,
  NUMBERING_PLAN_JSON,
} from "../lib/registrar/dialplan";

writeFileSync(DIALPLAN_CFG, generateDialPlanCfg());
writeFileSync(NUMBERING_PLAN_JSON, `${JSON.stringify(numberingPlan())}\n`);
console.info(
  `wrote ${fileURLToPath(DIALPLAN_CFG)} and ${fileURLToPath(NUMBERING_PLAN_JSON)} from libphonenumber-js ${libphonenumberVersion()}`,
);
