"""A page's files, served by the hub itself: closed networks have no CDN.

Files are served under ``<prefix>/<build>/<name>``, where ``<build>`` is a digest of
their contents: they are cached for a year, and a new build has new addresses. A file
with a ``.gz`` beside it is sent compressed to clients that accept gzip.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".ttf": "font/ttf",
    ".txt": "text/plain; charset=utf-8",
}
IMMUTABLE = "public, max-age=31536000, immutable"


class Assets:
    """The files of one page by name, found once."""

    def __init__(self, prefix: str, paths: Iterable[Path]) -> None:
        self.prefix = prefix
        self.files, self.build = _scan(tuple(sorted(paths)))

    @property
    def address(self) -> str:
        """Where the files are, ending with a slash."""
        return f"{self.prefix}/{self.build}/"

    def has(self, *names: str) -> bool:
        return set(names) <= self.files.keys()

    def route(self) -> Route:
        return Route(self.prefix + "/{build}/{name}", self.asset, methods=["GET", "HEAD"])

    async def asset(self, request: Request) -> Response:
        name = request.path_params["name"]
        path = self.files.get(name)
        if request.path_params["build"] != self.build or path is None:
            return PlainTextResponse("not found", status_code=404)
        headers = {"Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff"}
        compressed = path.with_name(path.name + ".gz")
        if compressed.is_file() and _accepts_gzip(request.headers.get("accept-encoding", "")):
            path = compressed
            headers["Content-Encoding"] = "gzip"
        if compressed.is_file():
            headers["Vary"] = "Accept-Encoding"
        return FileResponse(path, media_type=CONTENT_TYPES[Path(name).suffix], headers=headers)


def in_folder(folder: Path) -> list[Path]:
    """The servable files directly in ``folder``; none when it is missing."""
    found = sorted(folder.glob("*")) if folder.is_dir() else []
    return [p for p in found if p.suffix in CONTENT_TYPES and p.is_file()]


def _accepts_gzip(accept_encoding: str) -> bool:
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.partition(";")
        if coding.strip() in {"gzip", "*"}:
            return params.replace(" ", "") not in {"q=0", "q=0.0", "q=0.00", "q=0.000"}
    return False


@functools.cache
def _scan(paths: tuple[Path, ...]) -> tuple[dict[str, Path], str]:
    """The files to serve by name, and a digest of them all (the build's address)."""
    files = {p.name: p for p in paths if p.suffix in CONTENT_TYPES and p.is_file()}
    digest = hashlib.sha256()
    for name, path in sorted(files.items()):
        digest.update(f"{name}\0{path.stat().st_size}\0".encode())
        digest.update(path.read_bytes())
    return files, digest.hexdigest()[:16]
