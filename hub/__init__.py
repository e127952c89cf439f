"""Grid hub: one GraphQL graph and one event bus over many grid-governance systems."""

__version__ = "0.1.0"
