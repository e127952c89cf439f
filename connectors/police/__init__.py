"""The police department's system: 110 incidents in police grids (警格)."""

from connectors.police.connector import Incidents, PoliceConnector

__all__ = ["Incidents", "PoliceConnector"]
