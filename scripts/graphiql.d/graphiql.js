// The hub's GraphiQL page (see hub/http/graphiql.py): GraphiQL 5, its Monaco editors and
// graphql-ws, bundled by scripts/graphiql so that the page loads nothing from outside the hub.
//
// The page passes its settings as JSON in <script id="hub-graphiql" type="application/json">:
// where the endpoint and these files are, the example query and the headers text.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';

const config = JSON.parse(document.getElementById('hub-graphiql').textContent);
const assets = new URL(config.assets, window.location.href);

// Monaco runs its language services in workers, bundled beside this file (scripts/graphiql).
const WORKERS = { json: 'json.worker.js', graphql: 'graphql.worker.js' };
globalThis.MonacoEnvironment = {
  getWorker(_id, label) {
    return new Worker(new URL(WORKERS[label] || 'editor.worker.js', assets));
  },
};

const endpoint = new URL(config.endpoint, window.location.href);
const subscriptions = new URL(endpoint);
subscriptions.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';

// Queries and mutations go over HTTP; subscriptions over graphql-transport-ws, where the
// Headers tab's JSON becomes connection_init's payload (a browser cannot set headers on
// a WebSocket), which is where the hub reads Authorization and X-Purpose from.
const fetcher = createGraphiQLFetcher({ url: endpoint.href, subscriptionUrl: subscriptions.href });

createRoot(document.getElementById('graphiql')).render(
  createElement(GraphiQL, {
    fetcher,
    defaultQuery: config.query,
    defaultHeaders: config.headers,
    defaultEditorToolsVisibility: 'headers',
  }),
);
