"""Each connector's categories against the taxonomy: data, held to both sides."""

from __future__ import annotations

from collections.abc import Collection

import pytest

from connectors.citymgmt import CityManagementConnector
from connectors.citymgmt import data as citymgmt_data
from connectors.health import HealthConnector
from connectors.health import data as health_data
from connectors.petition import PetitionConnector
from connectors.petition import data as petition_data
from connectors.police import PoliceConnector
from connectors.police import data as police_data
from connectors.sdk import Connector
from connectors.sdk.categories import CategoryMap
from hub.core.departments import load_departments
from hub.core.paths import TAXONOMY_FILE
from hub.core.workorders import WorkOrderRefusedError
from hub.events import Taxonomy

# What each system files under: its own category list (the simulators mirror it).
SYSTEMS: list[tuple[type[Connector], Collection[str]]] = [
    (CityManagementConnector, citymgmt_data.CATEGORY_BY_CODE),
    (PoliceConnector, police_data.CATEGORY_BY_CODE),
    (PetitionConnector, petition_data.CATEGORY_BY_CODE),
    (HealthConnector, health_data.TYPE_BY_CODE),
]


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.load(TAXONOMY_FILE, [d.code for d in load_departments()])


@pytest.mark.parametrize(("connector", "own"), SYSTEMS, ids=lambda v: getattr(v, "name", ""))
def test_the_maps_join_the_taxonomy_to_the_system(
    connector: type[Connector], own: Collection[str], taxonomy: Taxonomy
) -> None:
    assert connector.categories_file is not None
    categories = CategoryMap.load(connector.categories_file)
    assert categories.outbound
    assert categories.inbound
    for hub_code, upstream in categories.outbound.items():
        assert taxonomy.get(hub_code) is not None, hub_code
        assert upstream in own, upstream
    for upstream, hub_code in categories.inbound.items():
        assert upstream in own, upstream
        assert taxonomy.get(hub_code) is not None, hub_code


def test_an_order_in_a_category_the_system_lacks_is_refused() -> None:
    categories = CategoryMap({"city.litter": "0101"}, {})
    assert categories.upstream("city.litter") == "0101"
    assert categories.upstream("city.illegal_construction") is None
    connector = CityManagementConnector.__new__(CityManagementConnector)
    connector.categories = categories
    with pytest.raises(WorkOrderRefusedError, match="no_category: citymgmt files no"):
        connector.upstream_category("city.illegal_construction")


# Orders a system refuses on purpose (退单): the bus reassigns them or drops the co-order.
REFUSED = {
    "citymgmt": {"city.illegal_construction", "health.disinfection"},  # not 数字城管 classes
    "health": {"health.pests", "health.disinfection"},  # the follow-up system has no task for them
}


@pytest.mark.parametrize(("connector", "own"), SYSTEMS, ids=lambda v: getattr(v, "name", ""))
def test_a_system_files_every_order_the_taxonomy_sends_it(
    connector: type[Connector], own: Collection[str], taxonomy: Taxonomy
) -> None:
    """A category that makes the department lead or co-handler has a class in its system,
    or the department's part in it would come back refused every time (a flood night's
    trapped people were once refused by the police this way)."""
    assert connector.categories_file is not None
    outbound = CategoryMap.load(connector.categories_file).outbound
    department = connector.department
    sent = {c.code for c in taxonomy if c.leaf and department in (c.lead, *c.co)}
    assert sent - set(outbound) == REFUSED.get(department, set())
