import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "@/lib/paths";
import { WEB_NODE_FLAGS } from "./web-node-flags";

describe("the web server's Node.js flags", () => {
  it("bound V8's heap well under the 300 MB the web process may use", () => {
    const limit = execFileSync(
      process.execPath,
      [...WEB_NODE_FLAGS, "-p", "require('node:v8').getHeapStatistics().heap_size_limit"],
      { encoding: "utf8" },
    );
    expect(Number(limit) / 1024 / 1024).toBeLessThan(250);
  });

  it("are the ones the Docker web image starts scripts/serve.mjs with", () => {
    const dockerfile = readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
    const web = dockerfile.slice(dockerfile.indexOf("AS web\n"), dockerfile.indexOf("AS worker\n"));
    const command = /^CMD (\[.*\])$/m.exec(web)?.[1];
    expect(command && JSON.parse(command)).toEqual(["node", ...WEB_NODE_FLAGS, "scripts/serve.mjs"]);
  });
});
