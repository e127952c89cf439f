"""What the latency benchmarks share: their command line, the request body it gives,
and the table that prints each row beside the first (the baseline)."""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

Rows = dict[str, tuple[list[float], float]]  # label: (latencies in seconds, wall seconds)


def arguments(
    description: str | None, *, default_query: str, requests: int, concurrency: int
) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--query", type=Path, help=f"a .graphql file (default: {default_query})")
    parser.add_argument("--variables", type=json.loads, help="JSON object of variables")
    parser.add_argument("--requests", type=int, default=requests)
    parser.add_argument("--concurrency", type=int, default=concurrency)
    return parser


def request_body(
    given: argparse.Namespace, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    """The POST body: the --query file's text, or the default query and its variables."""
    if given.query is None:
        return {"query": query, "variables": given.variables or variables}
    return {"query": given.query.read_text(encoding="utf-8"), "variables": given.variables or {}}


def report(rows: Rows) -> None:
    base = statistics.median(next(iter(rows.values()))[0])
    print(f"{'':16} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'overhead p50':>14}")
    for label, (latencies, wall) in rows.items():
        p50 = statistics.median(latencies)
        p99 = statistics.quantiles(latencies, n=100)[98]
        extra = f"{(p50 - base) * 1000:+.2f} ms {(p50 / base - 1) * 100:+.0f}%"
        rate = len(latencies) / wall
        print(f"{label:16} {p50 * 1000:8.2f} {p99 * 1000:8.2f} {rate:8.0f} {extra:>14}")
