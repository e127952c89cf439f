// A front-end team's client against a running hub: Apollo Client under Node, with its
// persisted-queries link (APQ) over HTTP and graphql-ws for subscriptions.
//
//   node client.mjs development   a query, APQ round trips by POST and by GET, a subscription
//   node client.mjs production    against a hub running trusted documents only
//   node client.mjs manifest      the app's operations as an Apollo persisted query manifest
//
// HUB_ADDRESS (host:port) and HUB_KEY (an API key) say where and who. The script reports
// what happened as one JSON object on stdout, every HTTP request the client sent included;
// tests/integration/test_js_client.py judges it. It exits 1 only if it could not run.
import { createHash } from "node:crypto";

import {
  ApolloClient,
  CombinedGraphQLErrors,
  HttpLink,
  InMemoryCache,
  ServerError,
  gql,
} from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { print } from "@apollo/client/utilities";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const SUBSCRIPTION_TIMEOUT_MS = 15_000;

// The app's operations: what its build would put in the manifest.
const GRIDS = gql`
  query Grids {
    grids(first: 1) {
      totalCount
    }
  }
`;
const DISTRICT = gql`
  query District($code: String!) {
    region(code: $code) {
      name
    }
  }
`;
const REVISION = gql`
  subscription Revision {
    registryRevision
  }
`;
const APP_OPERATIONS = { Grids: GRIDS, District: DISTRICT, Revision: REVISION };
// Not in the manifest: what production must refuse.
const DEPARTMENTS = gql`
  query Departments {
    departments {
      code
    }
  }
`;
const UNLISTED_SUBSCRIPTION = gql`
  subscription Unlisted {
    registryRevision
  }
`;

const sha256 = (text) => createHash("sha256").update(text).digest("hex");
const address = process.env.HUB_ADDRESS;
const key = process.env.HUB_KEY;

// -- what the client sent, and what came back -------------------------------------------

function requestParams(url, init) {
  if (init.method === "GET") {
    const params = Object.fromEntries(new URL(url).searchParams);
    for (const name of ["variables", "extensions"]) {
      if (params[name]) params[name] = JSON.parse(params[name]);
    }
    return params;
  }
  return JSON.parse(init.body);
}

function errorCodes(body) {
  return (body?.errors ?? []).map((error) => error.extensions?.code ?? null);
}

// fetch as the browser's, noting each request: its method, whether it carried the text.
function recordingFetch(requests) {
  return async (url, init) => {
    const params = requestParams(url, init);
    const response = await fetch(url, init);
    let body = null;
    try {
      body = JSON.parse(await response.clone().text());
    } catch {
      // not JSON: the status says enough
    }
    requests.push({
      method: init.method,
      operationName: params.operationName ?? null,
      sentQuery: typeof params.query === "string",
      sha256Hash: params.extensions?.persistedQuery?.sha256Hash ?? null,
      status: response.status,
      codes: errorCodes(body),
    });
    return response;
  };
}

function outcome(result) {
  const { data, error } = result;
  let codes = [];
  if (CombinedGraphQLErrors.is(error)) codes = errorCodes(error);
  else if (ServerError.is(error)) codes = errorCodes(JSON.parse(error.bodyText || "{}"));
  else if (error) codes = [`${error.name}: ${error.message}`];
  return { data: data ?? null, codes };
}

// -- clients ------------------------------------------------------------------------------

function httpLink(requests) {
  return new HttpLink({
    uri: `http://${address}/graphql`,
    headers: { Authorization: `Bearer ${key}` },
    fetch: recordingFetch(requests),
  });
}

function apolloClient(link) {
  return new ApolloClient({ link, cache: new InMemoryCache() });
}

function persistedClient(requests, { useGET }) {
  const persisted = new PersistedQueryLink({ sha256, useGETForHashedQueries: useGET });
  return apolloClient(persisted.concat(httpLink(requests)));
}

async function query(client, document, variables = {}) {
  const result = await client.query({
    query: document,
    variables,
    fetchPolicy: "network-only",
    errorPolicy: "all",
  });
  return outcome(result);
}

// One step: what the app saw, and the requests it took.
async function step(requests, run) {
  const before = requests.length;
  const seen = await run();
  return { ...seen, requests: requests.slice(before) };
}

function firstEvent(document) {
  const ws = createClient({
    url: `ws://${address}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${key}` },
    retryAttempts: 0,
  });
  const client = apolloClient(new GraphQLWsLink(ws));
  return new Promise((resolve) => {
    const timeout = () => finish({ data: null, codes: ["TIMEOUT"] });
    const timer = setTimeout(timeout, SUBSCRIPTION_TIMEOUT_MS);
    let subscription;
    function finish(seen) {
      clearTimeout(timer);
      subscription?.unsubscribe();
      ws.dispose();
      resolve(seen);
    }
    subscription = client.subscribe({ query: document, errorPolicy: "all" }).subscribe({
      next: (result) => finish(outcome(result)),
      error: (error) => finish(outcome({ error })),
      complete: () => finish({ data: null, codes: ["COMPLETED_WITHOUT_EVENT"] }),
    });
  });
}

// -- the runs -----------------------------------------------------------------------------

async function development() {
  const requests = [];
  const plain = apolloClient(httpLink(requests));
  const overPost = persistedClient(requests, { useGET: false });
  const overGet = persistedClient(requests, { useGET: true });
  const district = { code: "330199" };
  return {
    query: await step(requests, () => query(plain, DEPARTMENTS)),
    apqPostFirst: await step(requests, () => query(overPost, GRIDS)),
    apqPostAgain: await step(requests, () => query(overPost, GRIDS)),
    apqGetFirst: await step(requests, () => query(overGet, DISTRICT, district)),
    apqGetAgain: await step(requests, () => query(overGet, DISTRICT, district)),
    subscription: await firstEvent(REVISION),
    manifestHashes: manifest(overPost).operations.map((operation) => operation.id),
  };
}

async function production() {
  const requests = [];
  const client = persistedClient(requests, { useGET: true });
  return {
    registered: await step(requests, () => query(client, GRIDS)),
    unlisted: await step(requests, () => query(client, DEPARTMENTS)),
    registeredAgain: await step(requests, () => query(client, GRIDS)),
    subscription: await firstEvent(REVISION),
    unlistedSubscription: await firstEvent(UNLISTED_SUBSCRIPTION),
  };
}

// As @apollo/generate-persisted-query-manifest writes it: each body is the text the client
// sends (its document transforms applied, __typename added), each id that text's sha256.
function manifest(client = apolloClient(httpLink([]))) {
  const operations = Object.entries(APP_OPERATIONS).map(([name, document]) => {
    const body = print(client.documentTransform.transformDocument(document));
    const type = document.definitions[0].operation;
    return { id: sha256(body), name, type, body };
  });
  return { format: "apollo-persisted-query-manifest", version: 1, operations };
}

const runs = { development, production, manifest: async () => manifest() };
const run = runs[process.argv[2]];
if (!run || (process.argv[2] !== "manifest" && !(address && key))) {
  console.error("usage: HUB_ADDRESS=host:port HUB_KEY=… node client.mjs MODE");
  console.error("MODE: development, production or manifest");
  process.exit(2);
}
try {
  process.stdout.write(`${JSON.stringify(await run())}\n`);
} catch (error) {
  console.error(error);
  process.exit(1);
}
