import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";

/** A wildcard listen address is probed on loopback. */
const probeHost = (host: string) => (host === "0.0.0.0" ? "127.0.0.1" : host);

/**
 * Sends one SIP request over UDP and resolves with the first final (non-1xx) response, or null when none comes within
 * `timeoutMs`. `request` builds the message from the local address the socket was bound to.
 */
async function sipExchange(
  host: string,
  port: number,
  request: (via: { host: string; port: number; branch: string }) => string,
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
      socket.send(request({ host: local.address, port: local.port, branch }));
    });
  });
}

const statusOf = (response: string | null) => (response ? Number(response.slice(8, 11)) : null);

/** OPTIONS to host:port over UDP: the response's status code, or null on timeout (a readiness/keepalive ping). */
export async function optionsPing(host: string, port: number, timeoutMs = 300): Promise<number | null> {
  const response = await sipExchange(
    host,
    port,
    (via) =>
      [
        `OPTIONS sip:${probeHost(host)}:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP ${via.host}:${via.port};branch=${via.branch};rport`,
        "Max-Forwards: 70",
        `From: <sip:ping@${via.host}>;tag=${via.branch.slice(7)}`,
        `To: <sip:${probeHost(host)}:${port}>`,
        `Call-ID: ping-${via.branch}`,
        "CSeq: 1 OPTIONS",
        "Content-Length: 0",
        "",
        "",
      ].join("\r\n"),
    timeoutMs,
  );
  return statusOf(response);
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
    host,
    port,
    (via) =>
      [
        `REGISTER sip:${probeHost(host)}:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP ${via.host}:${via.port};branch=${via.branch};rport`,
        "Max-Forwards: 70",
        `From: <sip:realm-probe@${probeHost(host)}>;tag=${via.branch.slice(7)}`,
        `To: <sip:realm-probe@${probeHost(host)}>`,
        `Call-ID: probe-${via.branch}`,
        "CSeq: 1 REGISTER",
        `Contact: <sip:realm-probe@${via.host}:${via.port}>`,
        "Expires: 0",
        "User-Agent: trunk-portal status probe",
        "Content-Length: 0",
        "",
        "",
      ].join("\r\n"),
    timeoutMs,
  );
  const status = statusOf(response);
  if (!response || status === null) return null;
  const realm = /^WWW-Authenticate:\s*Digest\s[^\r\n]*?realm="([^"]*)"/im.exec(response)?.[1] ?? null;
  return { status, realm };
}
