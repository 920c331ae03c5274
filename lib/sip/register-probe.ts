import { randomBytes } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { isIPv6 } from "node:net";
import { digestAuthorization, parseDigestChallenge } from "./digest";
import { headerValue, parseSipMessage, parseVia, type SipResponse } from "./message";

/**
 * Proves a trunk's credentials on the wire (RFC 3261 registration over UDP, RFC 7616 digest): REGISTER a contact of
 * our own, answer the challenge, then remove exactly that contact again (Expires 0).
 *
 * The probe never disturbs the customer's registration: it uses its own Call-ID and a Contact URI that no PBX uses
 * (`sip:tp-check-<random>@<portal address>`), and it removes only that contact, never `Contact: *`. A registrar
 * routes by contact, so the customer's binding is untouched; for the few milliseconds the probe's contact exists an
 * inbound call may fork to it as well, and the probe does not answer it (the PBX's branch does).
 */

export type ProbeOutcome = "verified" | "rejected" | "no-answer" | "error";

export type ProbeResult = {
  outcome: ProbeOutcome;
  /** Final status of the authenticated REGISTER, null when none came. */
  status: number | null;
  reason: string | null;
  /** From the first REGISTER sent to its final answer. */
  latencyMs: number | null;
  /** What went wrong, or a note on the clean-up, in plain words. */
  detail: string | null;
};

export type ProbeOptions = {
  /** Where to send: an IP address (already resolved) and port. */
  address: string;
  port: number;
  /** The SIP server name exactly as customers use it: the Request-URI and To/From host. */
  serverName: string;
  username: string;
  password: string;
  /** Give up on a transaction after this long (default 8 s). */
  timeoutMs?: number;
  userAgent?: string;
};

/** The user part of the check's own Contact URI: no PBX registers such a contact. */
export const CHECK_CONTACT_PREFIX = "tp-check-";

/** RFC 3261 T1 and T2: non-INVITE requests are retransmitted after T1, doubling up to T2. */
const T1 = 500;
const T2 = 4000;
/** Registrar min_expires in the reference configuration; the contact is removed right away anyway. */
const PROBE_EXPIRES = 30;

const token = () => randomBytes(8).toString("hex");

class Transport {
  private waiting: { branch: string; resolve: (response: SipResponse) => void } | null = null;

  private constructor(
    readonly socket: Socket,
    readonly localAddress: string,
    readonly localPort: number,
  ) {
    socket.on("message", (data) => {
      const message = parseSipMessage(data.toString("utf8"));
      if (message?.kind !== "response" || !this.waiting) return;
      const branch = parseVia(headerValue(message, "via"))?.params.branch;
      if (branch === this.waiting.branch) this.waiting.resolve(message);
    });
  }

  static async open(address: string, port: number): Promise<Transport> {
    const socket = createSocket(isIPv6(address) ? "udp6" : "udp4");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      // connect() picks the local address the OS routes through, which goes into Via and Contact.
      socket.connect(port, address, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    socket.on("error", () => {});
    const local = socket.address();
    return new Transport(socket, local.address, local.port);
  }

  /** One non-INVITE client transaction: retransmits until a final response or `timeoutMs` (null then). */
  transaction(request: string, branch: string, timeoutMs: number): Promise<SipResponse | null> {
    return new Promise((resolve) => {
      let interval = T1;
      let timer: NodeJS.Timeout;
      const finish = (response: SipResponse | null) => {
        clearTimeout(timer);
        clearTimeout(deadline);
        this.waiting = null;
        resolve(response);
      };
      const send = () => {
        this.socket.send(request);
        timer = setTimeout(send, interval);
        interval = Math.min(interval * 2, T2);
      };
      const deadline = setTimeout(() => finish(null), timeoutMs);
      this.waiting = {
        branch,
        resolve: (response) => {
          if (response.status >= 200) finish(response);
          else interval = T2; // provisional: keep retransmitting at T2 (RFC 3261 §17.1.2.2)
        },
      };
      send();
    });
  }

  close() {
    this.socket.close();
  }
}

const hostForUri = (address: string) => (isIPv6(address) ? `[${address}]` : address);

export async function probeRegistration(options: ProbeOptions): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? 8000;
  let transport: Transport;
  try {
    transport = await Transport.open(options.address, options.port);
  } catch (error) {
    return failure("error", `could not open a UDP socket to ${options.address}:${options.port}: ${String(error)}`);
  }
  try {
    return await registerAndRemove(transport, options, timeoutMs);
  } finally {
    transport.close();
  }
}

function failure(outcome: ProbeOutcome, detail: string): ProbeResult {
  return { outcome, status: null, reason: null, latencyMs: null, detail };
}

async function registerAndRemove(transport: Transport, options: ProbeOptions, timeoutMs: number): Promise<ProbeResult> {
  const requestUri = `sip:${options.serverName}`;
  const aor = `sip:${options.username}@${options.serverName}`;
  const callId = `${token()}@trunk-portal-check`;
  const fromTag = token();
  const contact = `<sip:${CHECK_CONTACT_PREFIX}${token()}@${hostForUri(transport.localAddress)}:${transport.localPort}>`;
  let cseq = 0;
  let nonceUses = 0;
  let challenge: ReturnType<typeof parseDigestChallenge> = null;
  let challengeHeader = "Authorization";

  const register = (expires: number) => {
    cseq++;
    const branch = `z9hG4bK${token()}`;
    const lines = [
      `REGISTER ${requestUri} SIP/2.0`,
      `Via: SIP/2.0/UDP ${hostForUri(transport.localAddress)}:${transport.localPort};branch=${branch};rport`,
      "Max-Forwards: 70",
      `From: <${aor}>;tag=${fromTag}`,
      `To: <${aor}>`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} REGISTER`,
      `Contact: ${contact};expires=${expires}`,
      `Expires: ${expires}`,
      `User-Agent: ${options.userAgent ?? "Trunk Portal credential check"}`,
    ];
    if (challenge) {
      nonceUses++;
      const authorization = digestAuthorization({
        challenge,
        method: "REGISTER",
        uri: requestUri,
        username: options.username,
        password: options.password,
        nc: nonceUses,
      });
      lines.push(`${challengeHeader}: ${authorization}`);
    }
    lines.push("Content-Length: 0", "", "");
    return transport.transaction(lines.join("\r\n"), branch, timeoutMs);
  };

  /**
   * Sends a REGISTER (with the last challenge answered, if any) and answers a new challenge once, or again only when
   * the registrar says the nonce went stale (three times at most): a second plain challenge means the credentials
   * were refused.
   */
  const authenticated = async (expires: number) => {
    let response = await register(expires);
    let answered = false;
    for (let rounds = 0; rounds < 3 && response && (response.status === 401 || response.status === 407); rounds++) {
      const offered = parseDigestChallenge(
        headerValue(response, response.status === 401 ? "www-authenticate" : "proxy-authenticate"),
      );
      if (!offered || (answered && !offered.stale)) break;
      answered = true;
      challenge = offered;
      challengeHeader = response.status === 401 ? "Authorization" : "Proxy-Authorization";
      nonceUses = 0;
      response = await register(expires);
    }
    return response;
  };

  const started = performance.now();
  const response = await authenticated(PROBE_EXPIRES);
  const latencyMs = Math.round(performance.now() - started);
  if (!response) {
    return failure("no-answer", `no answer from ${options.address}:${options.port} within ${timeoutMs / 1000} s`);
  }
  const base = { status: response.status, reason: response.reason || null, latencyMs };
  if (response.status === 401 || response.status === 407 || response.status === 403) {
    return { ...base, outcome: "rejected", detail: "the registrar refused these credentials" };
  }
  if (response.status < 200 || response.status >= 300) {
    return { ...base, outcome: "error", detail: `the registrar answered ${response.status} ${response.reason}` };
  }

  // Remove exactly the probe's contact (never `Contact: *`), reusing the challenge answered above.
  const removal = await authenticated(0);
  const removed = removal !== null && removal.status >= 200 && removal.status < 300;
  return {
    ...base,
    outcome: "verified",
    detail: removed ? null : `the check's own contact could not be removed; it expires within ${PROBE_EXPIRES} s`,
  };
}
