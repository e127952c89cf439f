"""警格: the police grids of 云溪派出所, twenty polygons of the station's own survey.

They are Voronoi cells of their own seeds, so their edges cross the unified grids';
the crosswalk says how they overlap.
"""

from __future__ import annotations

import random

from connectors.sdk.simulation import (
    DEFAULT_SEED,
    FeatureCollection,
    chinese_ordinal,
    outline_of,
    partition,
    scheme_feature,
)

DEPARTMENT = "police"
STATION = "云溪派出所"
GRID_COUNT = 20
CODE_PREFIX = "JG-YX"


def police_grids(town: FeatureCollection, seed: int = DEFAULT_SEED) -> FeatureCollection:
    """The police grids as GeoJSON: ``properties`` has ``code``, ``name`` and ``station``."""
    cells = partition(outline_of(town), GRID_COUNT, random.Random(f"{DEPARTMENT}-{seed}"))  # noqa: S311 - seeded, reproducible
    features = [
        scheme_feature(
            f"{CODE_PREFIX}-{number:02d}",
            cell,
            name=f"{STATION}第{chinese_ordinal(number)}警务区",
            station=STATION,
        )
        for number, cell in enumerate(cells, start=1)
    ]
    return {"type": "FeatureCollection", "features": features}
