"""服务片区: the health service areas, one polygon per community clinic (社区卫生服务站).

Eight areas of the health commission's own drawing, Voronoi cells of their own seeds;
each clinic stands inside its area.
"""

from __future__ import annotations

import random

from connectors.sdk.simulation import (
    DEFAULT_SEED,
    PLACE_WORDS,
    FeatureCollection,
    outline_of,
    partition,
    scheme_feature,
    street_address,
)

DEPARTMENT = "health"
CLINICS = 8
CODE_PREFIX = "YXWS"
STREET = "云溪街道"


def service_areas(town: FeatureCollection, seed: int = DEFAULT_SEED) -> FeatureCollection:
    """The service areas as GeoJSON: ``properties`` has ``code``, ``name``, ``clinic`` (the
    Location id), the clinic's ``address`` and its ``position`` ([lon, lat])."""
    rng = random.Random(f"{DEPARTMENT}-{seed}")  # noqa: S311 - seeded, reproducible
    areas = partition(outline_of(town), CLINICS, rng)
    words = rng.sample(PLACE_WORDS, CLINICS)
    features = []
    for number, (area, word) in enumerate(zip(areas, words, strict=True), start=1):
        site = area.representative_point()
        features.append(
            scheme_feature(
                f"{CODE_PREFIX}-{number:02d}",
                area,
                name=f"{STREET}{word}社区卫生服务站",
                clinic=f"clinic-{number:02d}",
                address=f"{STREET}{street_address(rng)}",
                position=[round(site.x, 7), round(site.y, 7)],
            )
        )
    return {"type": "FeatureCollection", "features": features}
