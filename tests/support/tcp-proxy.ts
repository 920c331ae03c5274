/**
 * A small TCP proxy on 127.0.0.1 for fault-injection tests: put it between a client and a server (e.g. the worker and
 * the registrar's PostgreSQL) to make the server really unreachable and bring it back.
 *
 * - `stop()` closes the listener AND destroys every live connection, so clients see their sockets reset and new
 *   connections refused (ECONNREFUSED) — what a client experiences when the database host goes down.
 * - `stall()` keeps accepting connections but forwards nothing, either way, on new or live connections: a database
 *   behind a network partition (packets dropped, not refused), which only client-side timeouts can detect.
 * - `start()` listens again on the same port (after `stop()`), or resumes forwarding (after `stall()`, closing the
 *   connections that were stalled), so clients configured with the proxy's address reconnect unchanged.
 * - `delayMs` adds latency to every chunk in both directions (order preserved), to stretch a fast batch of work
 *   over a window a test can act in.
 */
import { connect, createServer, type Server, type Socket } from "node:net";

export const PROXY_HOST = "127.0.0.1";

export type TcpProxy = {
  /** The port the proxy listens on (stable across stop/start). */
  readonly port: number;
  /** Connections accepted since the proxy was created. */
  readonly accepted: number;
  /** Listens again on the same port, or resumes forwarding after stall() (no-op when already forwarding). */
  start(): Promise<void>;
  /** Stops listening and destroys all live connections (no-op when stopped). */
  stop(): Promise<void>;
  /** Accepts connections but forwards nothing until start(). */
  stall(): Promise<void>;
};

export type TcpProxyOptions = {
  targetHost?: string;
  targetPort: number;
  /** Port to listen on; 0 (default) picks a free one on the first start. */
  port?: number;
  /** Latency added to every chunk, each way. */
  delayMs?: number;
};

/** `url` with its host:port replaced by the proxy's (e.g. a postgresql:// URL that should go through it). */
export function urlThroughProxy(url: string, proxy: Pick<TcpProxy, "port">): string {
  const parsed = new URL(url);
  parsed.hostname = PROXY_HOST;
  parsed.port = String(proxy.port);
  return parsed.toString();
}

export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const targetHost = options.targetHost ?? PROXY_HOST;
  const delayMs = options.delayMs ?? 0;
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = options.port ?? 0;
  let accepted = 0;
  let stalled = false;

  /** Copies `from` to `to`, delayed when asked; setTimeout keeps equal delays in order, so the stream stays intact. */
  function pipe(from: Socket, to: Socket) {
    from.on("data", (chunk) => {
      if (stalled) return; // dropped on the floor, like a packet lost in a partition
      const write = () => {
        if (!to.destroyed) to.write(chunk);
      };
      if (delayMs > 0) setTimeout(write, delayMs);
      else write();
    });
    from.on("end", () => {
      const end = () => to.end();
      if (delayMs > 0) setTimeout(end, delayMs);
      else end();
    });
  }

  function handle(client: Socket) {
    accepted++;
    if (stalled) {
      // Accepted, then silence: the client's handshake never gets an answer.
      sockets.add(client);
      client.on("error", () => client.destroy());
      client.on("close", () => sockets.delete(client));
      client.resume();
      return;
    }
    const upstream = connect(options.targetPort, targetHost);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      // An error on one side (reset, refused) tears down both: the client must see the failure, not a hang.
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
      socket.on("close", () => {
        sockets.delete(socket);
        (socket === client ? upstream : client).destroy();
      });
    }
    pipe(client, upstream);
    pipe(upstream, client);
  }

  async function start() {
    if (stalled) {
      stalled = false;
      // What was sent during the stall is lost, so those connections cannot be resumed: close them.
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    }
    if (server) return;
    const listening = createServer(handle);
    await new Promise<void>((resolve, reject) => {
      listening.once("error", reject);
      listening.listen(port, PROXY_HOST, () => {
        listening.off("error", reject);
        resolve();
      });
    });
    const address = listening.address();
    if (!address || typeof address !== "object") throw new Error("tcp proxy: no address");
    port = address.port;
    server = listening;
  }

  async function stop() {
    const closing = server;
    if (!closing) return;
    server = null;
    const closed = new Promise<void>((resolve) => closing.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await closed;
  }

  async function stall() {
    await start();
    stalled = true;
  }

  await start();
  return {
    get port() {
      return port;
    },
    get accepted() {
      return accepted;
    },
    start,
    stop,
    stall,
  };
}
