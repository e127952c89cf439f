"""The hub's own connectors, named: tests hold the hub to these, so a third-party
connector installed in the same environment changes no expectation."""

from __future__ import annotations

from connectors.citymgmt import CityManagementConnector
from connectors.health import HealthConnector
from connectors.petition import PetitionConnector
from connectors.police import PoliceConnector
from connectors.sdk import Connector
from hub.services.contributions import Contributions

BUILT_IN: tuple[type[Connector], ...] = (
    CityManagementConnector,
    HealthConnector,
    PetitionConnector,
    PoliceConnector,
)


def built_in_contributions() -> Contributions:
    return Contributions.of(BUILT_IN)
