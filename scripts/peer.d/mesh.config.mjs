// GraphQL Mesh's composition over the departments' own OpenAPI contracts, as scripts/peer
// runs it. The sources come from the JSON file named by PEER_SOURCES:
//
//   {"police": {"contract": ".../contract.openapi.yaml", "endpoint": "http://…",
//               "headers": {"X-API-Key": "…"}}, …}
//
// Static headers (an API key, HTTP Basic) are Mesh's own operation headers; schemes that
// need a request-time computation (OAuth2 client credentials, HMAC signatures) are done
// by the gateway's upstream plugin (gateway.config.mjs), not here.
import { readFileSync } from "node:fs";
import { createPrefixTransform, defineConfig } from "@graphql-mesh/compose-cli";
import { loadOpenAPISubgraph } from "@omnigraph/openapi";

const sources = JSON.parse(readFileSync(process.env.PEER_SOURCES, "utf8"));

export const composeConfig = defineConfig({
  subgraphs: Object.entries(sources).map(([name, source]) => ({
    sourceHandler: loadOpenAPISubgraph(name, {
      source: source.contract,
      endpoint: source.endpoint,
      operationHeaders: source.headers ?? {},
    }),
    // The departments name their types and operations alike (Person, listCategories):
    // each keeps its own under its name, police_listIncidents and so on.
    transforms: [createPrefixTransform({ value: `${name}_`, includeRootOperations: true })],
  })),
});
