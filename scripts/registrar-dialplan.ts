/**
 * `npm run registrar:dialplan`: regenerates registrar/kamailio/dialplan.cfg (which country owns a dialled number)
 * from the installed libphonenumber-js. Run it after upgrading the library; lib/registrar/dialplan.test.ts fails
 * until the committed file matches.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DIALPLAN_CFG, generateDialPlanCfg, libphonenumberVersion } from "../lib/registrar/dialplan";

writeFileSync(DIALPLAN_CFG, generateDialPlanCfg());
console.info(`wrote ${fileURLToPath(DIALPLAN_CFG)} from libphonenumber-js ${libphonenumberVersion()}`);
