"""The command centre's console (指挥中心大屏) at ``/console``: the hub's reference screen.

A page and its script, built on the public graph only: it signs in with the user's key
or token and asks ``/graphql`` for everything (queries, and ``gridEvents`` over SSE),
so it shows exactly what that user may see. The page itself holds no data and needs no
key. Its files, and the Apache ECharts the periodic reports ship (``scripts/echarts``),
are served by the hub from ``/console/assets/<build>/``: nothing from a CDN or a tile
server; the map is the registry's own polygons.
"""

from __future__ import annotations

import json
from pathlib import Path

from graphql import parse, print_ast
from graphql.utilities import separate_operations
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from hub.http.assets import Assets, in_folder
from hub.reports.page import CHARTS

PATH = "/console"
FOLDER = Path(__file__).parent / "static" / "console"
# Only the hub itself. ECharts sets styles inline; SSE and queries go to the same origin.
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


class Console:
    def __init__(self, folder: Path = FOLDER, charts: Path = Path(str(CHARTS))) -> None:
        self.assets = Assets(f"{PATH}/assets", [*in_folder(folder), charts])
        self.template = (folder / "index.html").read_text(encoding="utf-8")
        self.operations = operations(folder / "operations.graphql")

    @property
    def installed(self) -> bool:
        return self.assets.has("console.js", "console.css", "echarts.min.js")

    def routes(self) -> list[Route]:
        return [
            Route(PATH, self.page, methods=["GET", "HEAD"]),
            Route("/", _to_console, methods=["GET", "HEAD"]),
            self.assets.route(),
        ]

    async def page(self, _: Request) -> Response:
        headers = {"Cache-Control": "no-cache", "Content-Security-Policy": POLICY}
        if not self.installed:
            return HTMLResponse(_MISSING, status_code=503, headers=headers)
        # "<" escaped, so no text can end the <script> element early.
        island = json.dumps(self.operations, ensure_ascii=False).replace("<", "\\u003c")
        page = self.template.replace("{assets}", self.assets.address.rstrip("/"))
        return HTMLResponse(page.replace("{operations}", island), headers=headers)


def operations(path: Path) -> dict[str, str]:
    """Each named operation of the file, with the fragments it uses, as the text the
    console sends: what the hub trusts as its own documents."""
    document = parse(path.read_text(encoding="utf-8"))
    return {name: print_ast(part) for name, part in separate_operations(document).items()}


async def _to_console(_: Request) -> Response:
    return RedirectResponse(PATH, status_code=307)


_MISSING = """\
<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>网格化综合指挥中心</title></head>
<body>
<h1>指挥中心页面缺少图表库</h1>
<p>This hub was installed without Apache ECharts, which draws the console's map. Fetch it
with <code>scripts/echarts</code> and restart the hub; <code>scripts/install</code> does it
too. The GraphQL endpoint itself works.</p>
</body>
</html>
"""
