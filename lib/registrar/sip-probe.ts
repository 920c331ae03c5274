import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";

/** A wildcard listen address is probed on loopback. */
const probeHost = (host: string) => (host === "0.0.0.0" ? "127.0.0.1" : host);

/**
 * Sends one out-of-dialog SIP request (no body) over UDP to host:port and resolves with the first final (non-1xx)
 * response, or null when none comes within `timeoutMs`.
 */
async function sipExchange(
  method: "OPTIONS" | "REGISTER",
  host: string,
  port: number,
  extraHeaders: (local: { address: string; port: number }) => string[],
  timeoutMs: number,
): Promise<string | null> {
  const target = probeHost(host);
  const socket = createSocket("udp4");
  return new Promise((resolve) => {
    const finish = (response: string | null) => {
      clearTimeout(timer);
      socket.close();
      resolve(response);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    socket.on("message", (message) => {
      const text = message.toString();
      if (/^SIP\/2\.0 [2-6]\d\d/.test(text)) finish(text);
    });
    socket.on("error", () => finish(null));
    // Connecting first makes the socket's local address the one that routes to the target (for the Via header).
    socket.connect(port, target, () => {
      const local = socket.address();
      const branch = `z9hG4bK${randomBytes(8).toString("hex")}`;
      const request = [
        `${method} sip:${target}:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP ${local.address}:${local.port};branch=${branch};rport`,
        "Max-Forwards: 70",
        `From: <sip:probe@${target}>;tag=${branch.slice(7)}`,
        `To: <sip:probe@${target}>`,
        `Call-ID: probe-${branch}`,
        `CSeq: 1 ${method}`,
        ...extraHeaders(local),
        "User-Agent: trunk-portal status probe",
        "Content-Length: 0",
        "",
        "",
      ];
      socket.send(request.join("\r\n"));
    });
  });
}

const statusOf = (response: string | null) => (response ? Number(response.slice(8, 11)) : null);

/** OPTIONS to host:port over UDP: the response's status code, or null on timeout (a readiness/keepalive ping). */
export async function optionsPing(host: string, port: number, timeoutMs = 300): Promise<number | null> {
  return statusOf(await sipExchange("OPTIONS", host, port, () => [], timeoutMs));
}

/**
 * An unauthenticated REGISTER: the registrar answers with a challenge that names the realm it authenticates with
 * (digest realm). Nothing is registered. Null when nothing answers.
 */
export async function probeRegistrarRealm(
  host: string,
  port: number,
  timeoutMs = 1000,
): Promise<{ status: number; realm: string | null } | null> {
  const response = await sipExchange(
    "REGISTER",
    host,
    port,
    (local) => [`Contact: <sip:probe@${local.address}:${local.port}>`, "Expires: 0"],
    timeoutMs,
  );
  const status = statusOf(response);
  if (!response || status === null) return null;
  const realm = /^WWW-Authenticate:\s*Digest\s[^\r\n]*?realm="([^"]*)"/im.exec(response)?.[1] ?? null;
  return { status, realm };
}
