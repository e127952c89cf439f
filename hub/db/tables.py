"""Every table of the hub, for Alembic and the migration tests to compare against.

Each table module registers its tables on ``Base.metadata`` when it is imported; this
module imports them all, so the metadata is whole. Nothing else needs it.
"""

# Imported for what importing them does: each registers its tables on Base.metadata.
from hub.db import (  # noqa: F401
    bus_models,
    patrol_models,
    registry_models,
    security_models,
    stats_models,
    timer_models,
)
from hub.db.base import Base

metadata = Base.metadata
