"""What the schema spends on an operation around its fields: parsing, validating, the
extensions and the result, this checkout beside a baseline checkout in the same run.

Two documents go through ``schema.execute`` in-process (no HTTP, no database, the
schema built without security, whose cost ``bench.security_overhead`` measures):
``{ __typename }``, and the community dashboard's selection (``bench.peer``) in a
fragment the operation skips, so that it is parsed and validated but executes as
cheaply. Each side runs in a process of its own on its checkout's code, taking turns
``--rounds`` times; a round times ``--operations`` executions of each document after a
warm-up.
Printed: µs an operation, the median of the rounds.

    git worktree add --detach ../baseline main
    python -m bench.operation --baseline ../baseline [--rounds 3] [--operations 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.query_path import RUN_FILE

RECORDS = "(where: {since: $since}, first: 100) { edges { node { id status } } }"
DEPARTMENTS = ("incidents", "cityCases", "petitions", "healthFollowUps")
# The community dashboard's selection, in a fragment the operation skips: validated
# like any document, but nothing of it executes, so the row is the operation's own cost.
DASHBOARD = (
    "query Skipped($code: String!, $since: DateTime!) { __typename ...Dashboard @skip(if: true) }"
    " fragment Dashboard on Query { region(code: $code) { ... on Community { grids { code "
    + " ".join(name + RECORDS for name in DEPARTMENTS)
    + " } } } }"
)
VARIABLES = {"code": "330199001001", "since": "2026-12-01T00:00:00+08:00"}
DOCUMENTS = {  # name -> (text, variables)
    "{ __typename }": ("{ __typename }", None),
    "dashboard, skipped": (DASHBOARD, VARIABLES),
}
WARM_UP = 300


async def _timed(operations: int) -> dict[str, float]:
    from schema import build_schema  # noqa: PLC0415 - the side's own checkout, in the child

    schema = build_schema(secure=False)
    found = {}
    for name, (text, variables) in DOCUMENTS.items():
        for _ in range(WARM_UP):
            await schema.execute(text, variables)
        started = time.perf_counter()
        for _ in range(operations):
            result = await schema.execute(text, variables)
        if result.errors:
            raise SystemExit(f"{name}: {result.errors}")
        found[name] = (time.perf_counter() - started) / operations * 1e6
    return found


def _round(tree: Path, operations: int) -> dict[str, float]:
    """One round over ``tree``'s packages (its folder first on the path), by this file."""
    command = [sys.executable, "-c", RUN_FILE, str(Path(__file__).resolve()), "--child"]
    command += ["--operations", str(operations)]
    env = os.environ | {"PYTHONPATH": str(tree)}
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{tree}: {done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.splitlines()[-1]))


def _report(rounds: dict[str, list[dict[str, float]]]) -> None:
    print(f"µs an operation through schema.execute, median of {len(next(iter(rounds.values())))}")
    print(f"{'document':<18}" + "".join(f"{side:>12}" for side in rounds))
    for name in DOCUMENTS:
        medians = [statistics.median(r[name] for r in each) for each in rounds.values()]
        print(f"{name:<18}" + "".join(f"{value:>12.1f}" for value in medians))


def main(given: argparse.Namespace) -> None:
    if given.child:
        print(json.dumps(asyncio.run(_timed(given.operations))))
        return
    this = Path(__file__).resolve().parent.parent
    trees = {"baseline": given.baseline.resolve()} if given.baseline else {}
    trees["this"] = this
    rounds: dict[str, list[dict[str, float]]] = {side: [] for side in trees}
    for _ in range(given.rounds):
        for side, tree in trees.items():
            rounds[side].append(_round(tree, given.operations))
    _report(rounds)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--baseline", type=Path, help="a checkout to measure beside this one")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--operations", type=int, default=5000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    main(parser.parse_args())
