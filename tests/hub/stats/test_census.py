"""The census: where each event stands, and which departments have worked which events."""

from __future__ import annotations

from hub.db.engine import Database
from hub.stats.census import departments_at_work
from tests.hub.stats.test_rollups import T0, feed, town
from tests.support.lifecycle import hours


async def test_a_department_is_at_work_on_the_events_it_took_a_step_on(
    database: Database,
) -> None:
    """E2 is the only event a department's system took a step on (citymgmt accepted it);
    E4 was routed to citymgmt, which never acted: routing is no step of the department's."""
    await feed(database, town())
    async with database.engine.connect() as connection:
        everywhere = await departments_at_work(connection)
        since_e2 = await departments_at_work(connection, "", T0 + hours(1))
        elsewhere = await departments_at_work(connection, "330199001002")
    assert everywhere == {"citymgmt": 1}
    assert since_e2 == {"citymgmt": 1}
    assert elsewhere == {}  # E2 lies in another community
