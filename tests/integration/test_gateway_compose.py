"""``scripts/gateway compose``: the supergraph from the subgraphs file, or why not."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.gateway import ROOT, SCRIPT, Subgraph, require_gateway, write_subgraphs

pytestmark = pytest.mark.integration

HUB_URL = "http://127.0.0.1:8000/graphql"


def compose(config: Path) -> subprocess.CompletedProcess[str]:
    require_gateway()
    return subprocess.run(
        [str(SCRIPT), "compose", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_default_subgraphs_file_composes_the_published_sdl() -> None:
    done = compose(ROOT / "scripts" / "gateway.d" / "hub.json")
    assert done.returncode == 0, done.stderr
    assert f'HUB @join__graph(name: "hub", url: "{HUB_URL}")' in done.stdout
    assert '@join__type(graph: HUB, key: "code")' in done.stdout


def test_a_subgraph_that_does_not_compose_is_named_with_the_reason(tmp_path: Path) -> None:
    published = (ROOT / "contracts" / "graph" / "schema.graphql").read_text(encoding="utf-8")
    clashing = """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3",
      import: ["@key"])
    type Grid @key(fields: "code") { code: Int! }
    type Query { hotspot: Grid }"""
    config = write_subgraphs(
        tmp_path, [Subgraph("hub", HUB_URL, published), Subgraph("hotline", HUB_URL, clashing)]
    )
    done = compose(config)
    assert done.returncode == 1
    assert done.stderr.startswith("the subgraphs do not compose:")
    assert "Grid.code" in done.stderr
    assert "hotline" in done.stderr


def test_a_malformed_subgraphs_file_is_refused_with_where(tmp_path: Path) -> None:
    config = tmp_path / "subgraphs.json"
    entry = {"name": "hub", "url": HUB_URL, "schema": "hub.graphql", "forwardHeaders": "all"}
    config.write_text(json.dumps({"subgraphs": [entry]}), encoding="utf-8")
    done = compose(config)
    assert done.returncode == 1
    assert 'subgraphs[0]: "forwardHeaders" must be a list of header names' in done.stderr
