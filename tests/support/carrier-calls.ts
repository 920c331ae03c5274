import { expect } from "vitest";
import type { KamailioInstance } from "./kamailio";
import { type CallsOptions, sippCalls, startUas } from "./sipp";

/**
 * Calls from a trunk through Kamailio to `domain`; a carrier UAS on Kamailio's carrier port answers the
 * `expectedAtCarrier` calls that get through (0: none may).
 */
export async function callThroughCarrier(
  kamailio: Pick<KamailioInstance, "sipPort" | "carrierPort">,
  domain: string,
  options: Omit<CallsOptions, "proxyPort" | "domain">,
  expectedAtCarrier: number,
) {
  const carrier =
    expectedAtCarrier > 0 ? await startUas({ port: kamailio.carrierPort, calls: expectedAtCarrier }) : null;
  try {
    const result = await sippCalls({ proxyPort: kamailio.sipPort, domain, ...options });
    const received = carrier ? await carrier.done : null;
    // The carrier UAS only succeeds when ACK and BYE reached it too, i.e. the whole call went through the proxy
    // (Record-Route).
    if (received) expect(received.run.exitCode, `carrier UAS failed, see ${received.run.dir}`).toBe(0);
    return {
      statuses: result.statuses,
      challenges: result.challenges,
      invites: received?.invites ?? [],
      uacDir: result.run.dir,
    };
  } finally {
    carrier?.stop();
  }
}
