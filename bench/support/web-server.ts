import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { ROOT } from "../../lib/paths";
import { buildIsStale } from "../../scripts/build-freshness";
import { WEB_NODE_FLAGS } from "../../scripts/web-node-flags";
import { benchSecrets } from "./cluster";

/** Stops the servers however the benchmark ends. */
const stopOnExit: (() => void)[] = [];
process.on("exit", () => {
  for (const stop of stopOnExit) {
    try {
      stop();
    } catch {}
  }
});

/**
 * The portal's production web server as `npm start` runs it (scripts/serve.mjs with production's Node flags, the build
 * in .next) on `port`, against the portal database `url`
 * and the registrar database `registrarUrl`, with the benchmark's secrets; resolved once it answers. `env` adds to or
 * overrides its environment.
 */
export async function startWebServer(options: {
  url: string;
  registrarUrl: string;
  port: number;
  env?: Record<string, string>;
}): Promise<ChildProcess> {
  const { url, registrarUrl, port } = options;
  if (buildIsStale(ROOT))
    throw new Error("the build in .next is missing or older than the sources: run `npx next build`");
  if (
    await fetch(`http://127.0.0.1:${port}/`).then(
      () => true,
      () => false,
    )
  ) {
    throw new Error(`port ${port} is already in use: set E2E_PORT to a free port`);
  }
  const child = spawn(process.execPath, [path.join(ROOT, "scripts/serve.mjs")], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...benchSecrets(),
      NODE_ENV: "production",
      // What npm start and the Docker web image run it with; a benchmark may compare others (`env`).
      NODE_OPTIONS: WEB_NODE_FLAGS.join(" "),
      PORT: String(port),
      NEXT_TELEMETRY_DISABLED: "1",
      DATABASE_URL: url,
      REGISTRAR_DATABASE_URL: registrarUrl,
      AUTH_TRUST_HOST: "true",
      PORTAL_URL: `http://localhost:${port}`,
      LOG_LEVEL: "warn",
      ...options.env,
    },
    stdio: ["ignore", "inherit", "inherit"],
    // Its own process group, so that stopping it stops everything it started.
    detached: true,
  });
  stopOnExit.push(() => process.kill(-(child.pid ?? 0), "SIGKILL"));
  for (let tries = 0; ; tries++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/sign-in`)).ok) return child;
    } catch {
      if (tries > 600) throw new Error(`the web server on ${port} did not answer`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
