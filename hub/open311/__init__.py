"""Open311 GeoReport v2 at ``/open311/v2/``: civic apps file and track grid events.

JSON only. Services are the reportable leaves of the taxonomy; a service request is
a grid event reported with channel ``OPEN311`` through the same intake as
``reportEvent``, so its id is the grid event's id. See ``hub.open311.routes``.
"""

from hub.open311.routes import PREFIX, open311_mount

__all__ = ["PREFIX", "open311_mount"]
