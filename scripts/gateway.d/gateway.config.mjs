// Hive Gateway's configuration, as scripts/gateway runs it (docs/federation.md, "Running
// a gateway"). The subgraphs and the headers each one receives come from the file named
// by GATEWAY_SUBGRAPHS, the one the supergraph was composed from.
import { defineConfig } from "@graphql-hive/gateway";
import { readSubgraphs } from "./compose.mjs";

const subgraphs = readSubgraphs(process.env.GATEWAY_SUBGRAPHS);
const forwarded = new Map(subgraphs.map((s) => [s.name, s.forwardHeaders]));

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
  // Subgraph errors keep their own extensions.code (FORBIDDEN, …): Hive Gateway adds
  // DOWNSTREAM_SERVICE_ERROR only to an error without one, and the subgraph's name.
  logging: process.env.GATEWAY_LOG_LEVEL || "info",
});
