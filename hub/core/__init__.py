"""hub/core."""
