// Hive Gateway's configuration, as scripts/gateway runs it (docs/federation.md, "Running
// a gateway"). The subgraphs and the headers each one receives come from the file named
// by GATEWAY_SUBGRAPHS, the one the supergraph was composed from.
import { maxDepthPlugin } from "@escape.tech/graphql-armor-max-depth";
import { maxTokensPlugin } from "@escape.tech/graphql-armor-max-tokens";
import { defineConfig } from "@graphql-hive/gateway";
import { readSubgraphs } from "./compose.mjs";

const subgraphs = readSubgraphs(process.env.GATEWAY_SUBGRAPHS);
const forwarded = new Map(subgraphs.map((s) => [s.name, s.forwardHeaders]));
// The hub's defaults (HUB_GRAPHQL__MAX_DEPTH, HUB_GRAPHQL__MAX_TOKENS).
const MAX_DEPTH = Number(process.env.GATEWAY_MAX_DEPTH || 12);
const MAX_TOKENS = Number(process.env.GATEWAY_MAX_TOKENS || 2000);

/** A refusal handler giving the error the code and limit the hub's own would carry. */
function coded(code, limit) {
  return (_context, error) => Object.assign(error.extensions, { code, limit });
}

export const gatewayConfig = defineConfig({
  // Each subgraph receives the caller's headers it is listed for, and no others: the
  // hub authorises, masks and audits as the ORIGINAL caller (Authorization, X-Purpose),
  // while a department's subgraph never sees a key meant for the hub.
  propagateHeaders: {
    fromClientToSubgraphs({ request, subgraphName }) {
      const headers = {};
      for (const name of forwarded.get(subgraphName) ?? []) {
        const value = request.headers.get(name);
        if (value !== null) headers[name] = value;
      }
      return headers;
    },
  },
  // The hub bounds the part of a document that reaches it; only the gateway sees a
  // whole supergraph document, so it bounds that, with the hub's limits and codes.
  plugins: () => [
    maxDepthPlugin({
      n: MAX_DEPTH + 1, // it counts the leaf fields too; the hub, selection sets
      flattenFragments: true,
      onReject: [coded("DEPTH_LIMIT_EXCEEDED", MAX_DEPTH)],
    }),
    maxTokensPlugin({ n: MAX_TOKENS, onReject: [coded("TOKEN_LIMIT_EXCEEDED", MAX_TOKENS)] }),
  ],
  // Subgraph errors keep their own extensions.code (FORBIDDEN, …): Hive Gateway adds
  // DOWNSTREAM_SERVICE_ERROR only to an error without one, and the subgraph's name.
  logging: process.env.GATEWAY_LOG_LEVEL || "info",
});
