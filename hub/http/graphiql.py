"""GraphiQL at ``/graphql`` (dev mode), served entirely by the hub: closed networks have no CDN.

``scripts/graphiql`` bundles GraphiQL 5 and its peers from npm (exact versions in
``scripts/graphiql.d/package-lock.json``) into ``static/graphiql/`` beside this module,
and the wheel ships that folder. The page loads its files from
``/graphql/assets/<build>/`` (``hub.http.assets``). Without the files the page says how
to build them instead of loading forever.

The page opens with an example query and the headers to fill in (the key ``hub demo``
prints). Subscriptions run over graphql-transport-ws, the Headers tab's JSON becoming
``connection_init``'s payload.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from hub.http.assets import Assets, in_folder

STATIC = Path(__file__).parent / "static" / "graphiql"
ASSETS = "/graphql/assets"
# Everything from the hub itself. Monaco sets styles inline and inlines its fonts;
# 'self' covers the WebSocket to the same host and port.
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "font-src 'self' data:; img-src 'self' data:; worker-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

EXAMPLE_QUERY = """\
# Which grid is this point in, who runs it, and which
# party branch serves it? Put a key in Headers first.
{
  gridAt(lat: 30.3120, lon: 120.0530) {
    community { name }
    grid {
      code
      name
      households
      leader { name phone }
      partyBranch { name memberCount }
    }
    microGrid { name address }
  }
}
"""
# JSON with comments, as GraphiQL reads it: without a key only the schema can be read.
HEADERS_HINT = """\
{
  // Replace all this with the JSON `hub demo` printed,
  // or put a key from `hub keys create` here:
  // "Authorization": "Bearer ghk_…",
  "X-Purpose": "demo"
}
"""


class GraphiQL:
    """The page and its files, found once per folder."""

    def __init__(self, endpoint: str = "/graphql", folder: Path = STATIC) -> None:
        self.endpoint = endpoint
        self.assets = Assets(ASSETS, in_folder(folder))
        self.files, self.build = self.assets.files, self.assets.build

    @property
    def installed(self) -> bool:
        return self.assets.has("graphiql.js", "graphiql.css")

    def routes(self) -> list[Route]:
        return [self.assets.route()]

    def page(self) -> Response:
        headers = {"Cache-Control": "no-cache", "Content-Security-Policy": POLICY}
        if not self.installed:
            return HTMLResponse(_MISSING, headers=headers)
        assets = self.assets.address
        config = {
            "endpoint": self.endpoint,
            "assets": assets,
            "query": EXAMPLE_QUERY,
            "headers": HEADERS_HINT,
        }
        # "<" escaped, so no value can end the <script> element early.
        text = json.dumps(config, ensure_ascii=False).replace("<", "\\u003c")
        return HTMLResponse(_PAGE.format(assets=html.escape(assets), config=text), headers=headers)


_PAGE = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GraphiQL · grid hub</title>
<link rel="stylesheet" href="{assets}graphiql.css">
<style>html, body, #graphiql {{ height: 100%; margin: 0; }}</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script id="hub-graphiql" type="application/json">{config}</script>
<script src="{assets}graphiql.js"></script>
</body>
</html>
"""

_MISSING = """\
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>GraphiQL · grid hub</title></head>
<body>
<h1>GraphiQL is not installed</h1>
<p>This hub was installed without GraphiQL's files. Build them with
<code>scripts/graphiql</code> (it needs Node.js and npm) and restart the hub;
<code>scripts/install</code> does it too. The GraphQL endpoint itself works.</p>
</body>
</html>
"""
