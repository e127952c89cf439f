// The supergraph the gateway serves, composed from each subgraph's SDL file with The
// Guild's federation composition (the same rules as Apollo's composition, open source).
//
//   node compose.mjs SUBGRAPHS.json [OUTPUT]   write the supergraph SDL (or print it)
//
// SUBGRAPHS.json names the subgraphs (scripts/gateway describes the file); schema paths
// are relative to the file. gateway.config.mjs reads the same file for header forwarding.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { composeServices, compositionHasErrors } from "@theguild/federation-composition";
import { parse } from "graphql";

const NAME = /^[a-z][a-z0-9_]*$/;

/** The subgraphs a config file lists, checked, with schema paths made absolute. */
export function readSubgraphs(path) {
  const config = JSON.parse(readFileSync(path, "utf8"));
  const subgraphs = config?.subgraphs;
  if (!Array.isArray(subgraphs) || subgraphs.length === 0) {
    throw new Error(`${path}: "subgraphs" must be a non-empty list`);
  }
  const seen = new Set();
  return subgraphs.map((entry, index) => {
    const where = `${path}: subgraphs[${index}]`;
    if (!NAME.test(entry?.name ?? "")) throw new Error(`${where}: "name" must match ${NAME}`);
    if (seen.has(entry.name)) throw new Error(`${where}: "${entry.name}" is listed twice`);
    seen.add(entry.name);
    if (!/^https?:\/\//.test(entry.url ?? "")) throw new Error(`${where}: "url" must be http(s)`);
    if (typeof entry.schema !== "string") throw new Error(`${where}: "schema" must be a path`);
    const forward = entry.forwardHeaders ?? [];
    if (!Array.isArray(forward) || !forward.every((h) => typeof h === "string")) {
      throw new Error(`${where}: "forwardHeaders" must be a list of header names`);
    }
    return {
      name: entry.name,
      url: entry.url,
      schema: resolve(dirname(path), entry.schema),
      forwardHeaders: forward.map((header) => header.toLowerCase()),
    };
  });
}

/** The supergraph SDL; throws with every composition error, each with its subgraph. */
export function compose(subgraphs) {
  const result = composeServices(
    subgraphs.map((subgraph) => ({
      name: subgraph.name,
      url: subgraph.url,
      typeDefs: parse(readFileSync(subgraph.schema, "utf8")),
    })),
  );
  if (compositionHasErrors(result)) {
    const lines = result.errors.map((e) => `  ${e.extensions?.code ?? "ERROR"}: ${e.message}`);
    throw new Error(`the subgraphs do not compose:\n${lines.join("\n")}`);
  }
  return result.supergraphSdl;
}

function main([config, output]) {
  if (!config) {
    console.error("usage: node compose.mjs SUBGRAPHS.json [OUTPUT]");
    process.exit(2);
  }
  try {
    const supergraph = compose(readSubgraphs(config));
    if (output) writeFileSync(output, supergraph);
    else process.stdout.write(supergraph);
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) main(process.argv.slice(2));
