import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { serverChain } from "./check-client-imports";

function clientFile(source: string) {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "client-imports-")), "component.tsx");
  writeFileSync(file, `"use client";\n${source}`);
  return file;
}

describe("the client import check (npm run lint)", () => {
  it("names the import chain from a client component to the database", () => {
    const chain = serverChain(clientFile(`import { getTrunk } from "@/lib/trunks";\nexport const x = getTrunk;\n`));
    expect(chain?.slice(1).map((step) => path.relative(process.cwd(), step))).toEqual([
      "lib/trunks/index.ts",
      "lib/db.ts",
    ]);
  });

  it("allows pure helpers and type-only imports of server modules", () => {
    const source = [
      `import type { Db } from "@/lib/db";`,
      `import { type Actor, can } from "@/lib/auth/policy";`,
      `import { CASE_WARNING } from "@/lib/trunks/server-name-warning";`,
      "export const x = [can, CASE_WARNING];",
      "export type Y = [Actor, Db];",
    ].join("\n");
    expect(serverChain(clientFile(source))).toBeNull();
  });
});
