"""How long the crosswalk takes: overlaying the three demo schemes on the 83 grids.

Three figures per scheme (police 警格, city-management 单元网格, health service areas):
the overlay alone (shapely, median of --repeat runs), the whole import (parse, overlay
and write, on SQLite), and then what connectors pay per query: a lookup of the
department codes covering one community's grids.

    python -m bench.crosswalk [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from connectors.sdk.simulation import generate_town
from hub.core.departments import load_departments
from hub.crosswalk import Crosswalk, overlay, parse_scheme
from hub.crosswalk import store as crosswalk_store
from hub.db import migrate
from hub.db.engine import Database
from hub.demo.simulators import demo_schemes
from hub.registry.importer import import_document
from hub.registry.problems import Report

LOOKUPS = 10_000


def _overlay_seconds(
    department: str, scheme: dict[str, Any], unified: dict[str, Any], repeat: int
) -> float:
    grids = parse_scheme(scheme, Report())
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        overlay(department, grids, unified)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


async def main(repeat: int) -> None:
    town = generate_town()
    schemes = demo_schemes(town)
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        await migrate.upgrade(database)
        await import_document(database, town, "bench")
        async with database.session() as session:
            unified = await crosswalk_store.unified_grids(session)
        crosswalk = Crosswalk(database, [d.code for d in load_departments()])
        print(f"unified grids: {len(unified)}")
        total_overlay = total_import = 0.0
        for department, scheme in schemes.items():
            seconds = _overlay_seconds(department, scheme, unified, repeat)
            started = time.perf_counter()
            result = await crosswalk.import_scheme(department, scheme, "bench")
            imported = time.perf_counter() - started
            total_overlay += seconds
            total_import += imported
            print(
                f"{department:<9} {result.grids:>4} grids → {result.entries:>5} overlaps: "
                f"overlay {seconds * 1000:7.1f} ms, whole import {imported * 1000:7.1f} ms"
            )
        overlays, imports = total_overlay * 1000, total_import * 1000
        print(f"all three: overlay {overlays:.1f} ms, imports {imports:.1f} ms")
        _lookup_figures(crosswalk)
        await database.aclose()


def _lookup_figures(crosswalk: Crosswalk) -> None:
    community = ["330199001001"]
    started = time.perf_counter()
    for _ in range(LOOKUPS):
        crosswalk.department_codes("citymgmt", community)
    per_call = (time.perf_counter() - started) / LOOKUPS * 1e6
    codes = crosswalk.department_codes("citymgmt", community)
    print(f"department_codes(citymgmt, one community → {len(codes)} unit grids): {per_call:.1f} µs")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    asyncio.run(main(parser.parse_args().repeat))
