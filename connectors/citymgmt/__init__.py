"""The digital city-management system (数字城管): cases on its own unit grids."""

from connectors.citymgmt.connector import Cases, CityManagementConnector

__all__ = ["Cases", "CityManagementConnector"]
