// Composes the hub's subgraph SDL into a supergraph with each composition library the
// hub must satisfy, and says what each made of it. Run by scripts/federation.
//
//   node compose.mjs [--json] [--allowed-hints FILE] [--for-apollo-gateway FILE] SDL
//
// SDL is the published subgraph SDL; --for-apollo-gateway names the one printed without
// authorization directives, which must also load in Apollo Gateway. Exit status 1 when a
// library reports an error, a hint is not in the allow-list (or an entry there no longer
// matches any hint), or the Apollo Gateway SDL yields a supergraph that gateway refuses.
import { readFileSync } from "node:fs";
import { parse } from "graphql";
import apollo from "@apollo/composition";
import internals from "@apollo/federation-internals";
import { composeServices as guildComposeServices } from "@theguild/federation-composition";

const SUBGRAPH = "hub";
const SUBGRAPH_URL = "http://hub.invalid/graphql"; // composition needs one; never called
const SECURITY_FEATURES = ["requiresScopes", "authenticated", "policy"];

const LIBRARIES = [
  { id: "apollo", package: "@apollo/composition", compose: composeWithApollo },
  { id: "guild", package: "@theguild/federation-composition", compose: composeWithGuild },
];

function composeWithApollo(typeDefs) {
  const result = apollo.composeServices([{ name: SUBGRAPH, url: SUBGRAPH_URL, typeDefs }]);
  return {
    errors: (result.errors ?? []).map((e) => e.message),
    hints: (result.hints ?? []).map((h) => ({ code: h.definition.code, message: h.message })),
    supergraphSdl: result.supergraphSdl ?? null,
  };
}

function composeWithGuild(typeDefs) {
  // The Guild's library reports errors only; it has no hints.
  const result = guildComposeServices([{ name: SUBGRAPH, url: SUBGRAPH_URL, typeDefs }]);
  return {
    errors: (result.errors ?? []).map((e) => e.message),
    hints: [],
    supergraphSdl: result.supergraphSdl ?? null,
  };
}

function version(name) {
  const url = new URL(`node_modules/${name}/package.json`, import.meta.url);
  return JSON.parse(readFileSync(url, "utf8")).version;
}

// The specifications a supergraph links, as "url (for: PURPOSE)".
function links(supergraphSdl) {
  if (!supergraphSdl) return [];
  const schema = parse(supergraphSdl).definitions.find((d) => d.kind === "SchemaDefinition");
  return (schema?.directives ?? [])
    .filter((d) => d.name.value === "link")
    .map((d) => {
      const argument = (name) => d.arguments.find((a) => a.name.value === name)?.value.value;
      const purpose = argument("for");
      return purpose ? `${argument("url")} (for: ${purpose})` : argument("url");
    });
}

// What Apollo Gateway does with a supergraph before serving it (its feature check).
function apolloGatewayRefusal(supergraphSdl) {
  if (!supergraphSdl) return "no supergraph";
  try {
    internals.Supergraph.build(supergraphSdl, { validateSupergraph: true });
    return null;
  } catch (error) {
    return error.message.split("\n").filter((line) => line.includes("feature")).join("; ") ||
      error.message;
  }
}

function explain(library, hint, allowed) {
  return allowed.find(
    (entry) =>
      entry.library === library && entry.code === hint.code && hint.message.includes(entry.message),
  );
}

function composeVariant(label, file, allowed, forApolloGateway) {
  const typeDefs = parse(readFileSync(file, "utf8"));
  const variant = { label, file, libraries: {}, problems: [] };
  for (const library of LIBRARIES) {
    const result = library.compose(typeDefs);
    const hints = result.hints.map((hint) => {
      const entry = explain(library.id, hint, allowed);
      if (entry) entry.used = true;
      return { ...hint, reason: entry?.reason ?? null };
    });
    variant.libraries[library.id] = {
      package: library.package,
      version: version(library.package),
      errors: result.errors,
      hints,
      links: links(result.supergraphSdl),
    };
    for (const error of result.errors) variant.problems.push(`${library.package}: ${error}`);
    for (const hint of hints.filter((h) => !h.reason)) {
      variant.problems.push(`${library.package}: unexplained hint ${hint.code}: ${hint.message}`);
    }
    const security = variant.libraries[library.id].links.filter((l) =>
      SECURITY_FEATURES.some((name) => l.includes(`/${name}/`)),
    );
    if (forApolloGateway && security.length) {
      variant.problems.push(`${library.package}: the supergraph links ${security.join(", ")}`);
    }
    if (library.id === "apollo") {
      variant.apolloGateway = { refusal: apolloGatewayRefusal(result.supergraphSdl) };
      if (forApolloGateway && variant.apolloGateway.refusal) {
        variant.problems.push(`Apollo Gateway refuses the supergraph: ${variant.apolloGateway.refusal}`);
      }
    }
  }
  return variant;
}

function report(result) {
  const lines = [];
  for (const variant of result.variants) {
    lines.push(`${variant.label} (${variant.file})`);
    for (const library of Object.values(variant.libraries)) {
      const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
      lines.push(
        `  ${library.package} ${library.version}: ${plural(library.errors.length, "error")}, ` +
          plural(library.hints.length, "hint"),
      );
      for (const error of library.errors) lines.push(`    error: ${error}`);
      for (const hint of library.hints) {
        lines.push(`    hint ${hint.code}: ${hint.message}`);
        lines.push(hint.reason ? `      explained: ${hint.reason}` : "      NOT EXPLAINED");
      }
      lines.push(`    supergraph links: ${library.links.join(", ") || "none"}`);
    }
    const refusal = variant.apolloGateway?.refusal;
    lines.push(`  Apollo Gateway: ${refusal ? `refuses it (${refusal})` : "loads it"}`);
  }
  for (const entry of result.staleHints) {
    lines.push(`allow-list entry matches no hint: ${entry.library} ${entry.code} "${entry.message}"`);
  }
  lines.push(result.problems.length ? `FAILED:\n  ${result.problems.join("\n  ")}` : "OK");
  return lines.join("\n");
}

function main(argv) {
  const options = { json: false, allowedHints: null, forApolloGateway: null, sdl: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--json") options.json = true;
    else if (arg === "--allowed-hints") options.allowedHints = argv[++i];
    else if (arg === "--for-apollo-gateway") options.forApolloGateway = argv[++i];
    else if (!arg.startsWith("--") && !options.sdl) options.sdl = arg;
    else throw new Error(`unexpected argument ${arg}`);
  }
  if (!options.sdl) throw new Error("usage: compose.mjs [--json] [--allowed-hints FILE] [--for-apollo-gateway FILE] SDL");
  const allowed = options.allowedHints
    ? JSON.parse(readFileSync(options.allowedHints, "utf8")).map((entry) => ({ ...entry }))
    : [];
  for (const entry of allowed) {
    if (!entry.reason) throw new Error(`allow-list entry without a reason: ${JSON.stringify(entry)}`);
  }
  const variants = [composeVariant("published SDL", options.sdl, allowed, false)];
  if (options.forApolloGateway) {
    variants.push(
      composeVariant("SDL for Apollo Gateway, without authorization directives", options.forApolloGateway, allowed, true),
    );
  }
  const staleHints = allowed.filter((entry) => !entry.used).map(({ used, ...entry }) => entry);
  const problems = variants.flatMap((v) => v.problems);
  problems.push(...staleHints.map((e) => `stale allow-list entry: ${e.library} ${e.code} "${e.message}"`));
  const result = { variants, staleHints, problems };
  process.stdout.write(options.json ? JSON.stringify(result, null, 2) + "\n" : report(result) + "\n");
  return problems.length ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`compose.mjs: ${error.message}\n`);
  process.exitCode = 2;
}
