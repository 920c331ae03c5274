import { clientIp } from "../client-ip";
import type { RequestMeta } from "../commands";
import { env } from "../env";

/** Where a request came from, for throttles and the audit log: the one reading of the client address. */
export function requestMetaFrom(headers: Headers): RequestMeta {
  return { ip: clientIp(headers, env().TRUSTED_PROXIES), userAgent: headers.get("user-agent") };
}
